import { describe, expect, it } from 'vitest';
import { attachmentCodes, attachmentRefs, emptyFiles, move, previewKind, removeAt } from './files';

const f = (id: string) => ({ upload_id: id, file_name: `${id}.pdf`, kind: 'pdf', size: 1 });

describe('component files', () => {
	it('moves and removes within bounds', () => {
		expect(move(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
		expect(move(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
		expect(move(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
		expect(removeAt(['a', 'b', 'c'], 1)).toEqual(['a', 'c']);
	});
	it('sends every file of every component in order with the checked mark', () => {
		const by = emptyFiles(['TP01', 'TP02']);
		by.TP01 = { files: [f('u1'), f('u2')], checked: true };
		by.TP02 = { files: [f('u3')], checked: false };
		expect(attachmentRefs(['TP01', 'TP02'], by)).toEqual([
			{ upload_id: 'u1', component_code: 'TP01', checked_against_original: true },
			{ upload_id: 'u2', component_code: 'TP01', checked_against_original: true },
			{ upload_id: 'u3', component_code: 'TP02', checked_against_original: false }
		]);
		expect(attachmentCodes(['TP01', 'TP02'], by)).toEqual(['TP01', 'TP01', 'TP02']);
	});
	it('previews PDFs and browser images only', () => {
		expect(previewKind('pdf')).toBe('pdf');
		expect(previewKind('png')).toBe('image');
		expect(previewKind('tiff')).toBeNull();
		expect(previewKind('docx')).toBeNull();
	});
});
