import { describe, expect, it } from 'vitest';
import { moved, optionsToText, pathLabel, statutoryHours, textToOptions, withType, workflowHours } from './procedure-edit';

describe('procedure editor', () => {
	it('edits select options as lines', () => {
		const opts = [{ value: 'nam', label: 'Nam' }, { value: 'Khác', label: 'Khác' }];
		expect(optionsToText(opts)).toBe('nam | Nam\nKhác');
		expect(textToOptions('nam | Nam\n\n Khác \n')).toEqual(opts);
	});
	it('compares the workflow with the statutory time in working hours', () => {
		expect(statutoryHours({ statutory_time: { unit: 'working_days', value: 3 } })).toBe(24);
		expect(statutoryHours({ statutory_time: { unit: 'working_hours', value: 4 } })).toBe(4);
		expect(workflowHours({ workflow: [{ name: 'a', unit: 'one_stop', role: 'clerk', hours: 2 }, { name: 'b', unit: 'specialist', role: 'officer', hours: 22 }] })).toBe(24);
	});
	it('changes a field type keeping options only for selects', () => {
		const f = { key: 'k', label: 'L', kind: { type: 'select' as const, options: [{ value: 'a', label: 'A' }] } };
		expect(withType(f, 'text').kind).toEqual({ type: 'text' });
		expect(withType(f, 'select').kind).toEqual(f.kind);
		expect(withType({ ...f, kind: { type: 'text' } }, 'select').kind).toEqual({ type: 'select', options: [] });
	});
	it('moves rows and names paths in Vietnamese', () => {
		expect(moved([1, 2, 3], 1, -1)).toEqual([2, 1, 3]);
		expect(moved([1, 2, 3], 2, 1)).toEqual([1, 2, 3]);
		expect(pathLabel('body.workflow[2].hours')).toBe('Bước quy trình 3, số giờ');
		expect(pathLabel('body.form.fields[0].key')).toBe('Tờ khai, Trường tờ khai 1, mã trường');
		expect(pathLabel('body.workflow')).toBe('Quy trình nội bộ');
		expect(pathLabel('body.result_delivery')).toBe('Cách trả kết quả');
	});
});
