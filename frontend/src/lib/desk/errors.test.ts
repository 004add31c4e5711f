import { describe, expect, it } from 'vitest';
import { actionFieldId, byId, CONFLICT_MESSAGE, counterFieldId, deskMessage, isConflict, problemsFrom, procedureFieldCandidates } from './errors';

const conflict = {
	code: 'conflict',
	message: 'the dossier changed',
	details: [{ field: 'body.expected_version', code: 'stale', message: 'current version is 3' }]
};

describe('conflicts', () => {
	it('explains a stale version in Vietnamese', () => {
		expect(isConflict(conflict)).toBe(true);
		expect(deskMessage(conflict)).toBe(CONFLICT_MESSAGE);
		expect(CONFLICT_MESSAGE).toContain('Người khác vừa xử lý hồ sơ này; vui lòng tải lại');
	});
	it('does not take other 409s for a stale version', () => {
		const dup = { code: 'conflict', message: 'exists', details: [{ field: 'body.name', code: 'duplicate', message: '' }] };
		expect(isConflict(dup)).toBe(false);
		expect(isConflict({ code: 'illegal_transition', message: 'x' })).toBe(false);
		expect(deskMessage({ code: 'illegal_transition', message: 'x' })).toMatch(/trạng thái hiện tại/);
	});
});

describe('where field errors go', () => {
	it('places counter reception errors', () => {
		expect(counterFieldId('body.applicant.full_name', [])).toBe('a-full_name');
		expect(counterFieldId('body.population_lookup_id', [])).toBe('a-personal_id');
		expect(counterFieldId('body.form.muc_dich', [])).toBe('f-muc_dich');
		expect(counterFieldId('body.attachments.TP01', [])).toBe('c-TP01');
		expect(counterFieldId('body.attachments[1].upload_id', ['TP01', 'TP02'])).toBe('c-TP02');
		expect(counterFieldId('body.procedure_code', [])).toBe('proc-q');
	});
	it('places action errors', () => {
		expect(actionFieldId('body.reason')).toBe('act-reason');
		expect(actionFieldId('body.items[2]')).toBe('act-items');
		expect(actionFieldId('body.new_due_at')).toBe('act-new-day');
		expect(actionFieldId('body.expected_version')).toBeNull();
	});
	it('gives the procedure editor every prefix, closest first', () => {
		expect(procedureFieldCandidates('body.workflow[2].hours')).toEqual(['p-workflow-2-hours', 'p-workflow-2', 'p-workflow']);
		expect(procedureFieldCandidates('body.form.fields[0].key')).toEqual(['p-form-fields-0-key', 'p-form-fields-0', 'p-form-fields', 'p-form']);
		expect(procedureFieldCandidates('workflow')).toEqual(['p-workflow']);
		expect(procedureFieldCandidates('body')).toEqual([]);
	});
	it('turns an error body into labelled problems, or one summary line', () => {
		const body = {
			code: 'validation_failed',
			message: 'x',
			details: [
				{ field: 'body.reason', code: 'reason_required', message: '' },
				{ field: 'body.new_due_at', code: 'not_later', message: '' }
			]
		};
		const list = problemsFrom(body, actionFieldId, (id) => (id === 'act-reason' ? 'Lý do' : undefined));
		expect(list).toEqual([
			{ id: 'act-reason', message: 'Lý do: Vui lòng nêu lý do' },
			{ id: 'act-new-day', message: 'Ngày hẹn mới phải sau ngày hẹn hiện tại' }
		]);
		expect(byId(list)['act-new-day']).toMatch(/sau ngày hẹn/);
		expect(problemsFrom({ code: 'forbidden', message: 'no' }, actionFieldId)).toEqual([
			{ id: null, message: 'Bạn không có quyền thực hiện thao tác này.' }
		]);
		expect(problemsFrom(new Error('boom'), actionFieldId)[0]!.id).toBeNull();
		const signedOut = { code: 'unauthenticated', message: 'sign-in required', details: [{ field: 'cookie', code: 'missing', message: '' }] };
		expect(problemsFrom(signedOut, actionFieldId)).toEqual([{ id: null, message: 'Bạn cần đăng nhập để tiếp tục.' }]);
	});
});
