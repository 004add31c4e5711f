import { describe, expect, it } from 'vitest';
import { actionBody, checkDraft, emptyDraft, itemLines } from './actions';

describe('action drafts', () => {
	it('asks for a reason, items and a new date where needed', () => {
		const d = emptyDraft();
		expect(checkDraft('refuse', d).map((p) => p.id)).toEqual(['act-reason']);
		expect(checkDraft('request_supplement', d).map((p) => p.id)).toEqual(['act-reason', 'act-items']);
		expect(checkDraft('apologise', { ...d, reason: 'Chờ xác minh' }).map((p) => p.id)).toEqual(['act-new-day']);
		expect(checkDraft('accept', d)).toEqual([]);
	});
	it('refuses an item listed twice', () => {
		const d = { ...emptyDraft(), reason: 'Thiếu', items: 'Bản sao giấy khai sinh\n  Bản sao giấy khai sinh ' };
		expect(checkDraft('request_supplement', d)[0]!.message).toMatch(/hai lần/);
		expect(itemLines(' a \n\n b\n')).toEqual(['a', 'b']);
	});
	it('builds the body with expected_version and only the inputs of the action', () => {
		const d = { ...emptyDraft(), reason: ' Thiếu giấy tờ ', items: 'A\nB', note: ' ', newDay: '2026-05-04', assignee: 'x' };
		expect(actionBody('request_supplement', d, 3)).toEqual({ action: 'request_supplement', expected_version: 3, reason: 'Thiếu giấy tờ', items: ['A', 'B'] });
		expect(actionBody('apologise', d, 4)).toMatchObject({ new_due_at: '2026-05-04T17:00:00+07:00', reason: 'Thiếu giấy tờ' });
		expect(actionBody('hand_over', d, 5)).toEqual({ action: 'hand_over', expected_version: 5, assignee_id: 'x' });
		expect(actionBody('record_payment', d, 1)).toMatchObject({ payment_method: 'cash' });
		expect(actionBody('return_result', d, 1)).toMatchObject({ delivery: 'in_person' });
	});
	it('generates the result, or attaches the uploads under the result code', () => {
		const up = { ...emptyDraft(), resultCode: 'KQ01', files: [{ upload_id: 'u1', file_name: 'kq.pdf', component_code: '' }] };
		expect(actionBody('approve', up, 2).attachments).toEqual([{ upload_id: 'u1', component_code: 'KQ01' }]);
		expect(actionBody('approve', { ...up, resultMode: 'generate' }, 2)).toEqual({ action: 'approve', expected_version: 2, generate_result: true });
		expect(checkDraft('approve', { ...emptyDraft(), resultMode: 'upload' }).map((p) => p.id)).toEqual(['act-files']);
		expect(checkDraft('issue_result', { ...emptyDraft(), resultMode: 'generate' })).toEqual([]);
	});
});
