import { describe, expect, it } from 'vitest';
import { ACTIONS, ACTION_LABELS, ACTION_NEEDS, defaultQueue, historyLabel, isQueue, maskId, orderedActions, queuesFor, QUEUE_LABELS, stateLabel } from './words';

describe('queues per role', () => {
	it('gives a clerk the desk queues, an officer their own, a leader approvals', () => {
		expect(queuesFor(['clerk'])).toEqual(['to_receive', 'at_my_units', 'due_soon', 'overdue', 'awaiting_supplement', 'to_return']);
		expect(queuesFor(['officer'])[0]).toBe('assigned_to_me');
		expect(queuesFor(['leader'])).toContain('awaiting_my_approval');
		expect(queuesFor(['leader'])).not.toContain('to_receive');
		expect(queuesFor(['agency_admin'])).toEqual([]);
		expect(defaultQueue(['leader'])).toBe('awaiting_my_approval');
		expect(defaultQueue(['system_admin'])).toBeNull();
	});
	it('merges several roles without repeats, in the desk order', () => {
		const q = queuesFor(['officer', 'clerk']);
		expect(new Set(q).size).toBe(q.length);
		expect(q.indexOf('to_receive')).toBeLessThan(q.indexOf('assigned_to_me'));
	});
	it('recognises queue names and labels every one in Vietnamese', () => {
		expect(isQueue('overdue')).toBe(true);
		expect(isQueue('tat-ca')).toBe(false);
		expect(isQueue(null)).toBe(false);
		for (const label of Object.values(QUEUE_LABELS)) expect(label).toMatch(/[à-ỹ]/);
	});
});

describe('actions', () => {
	it('offers only the allowed actions, in the desk order, ignoring unknown ones', () => {
		expect(orderedActions(['refuse', 'request_supplement', 'accept', 'teleport'])).toEqual(['accept', 'request_supplement', 'refuse']);
	});
	it('has a label and a needs entry for every action; reasons where the law asks', () => {
		for (const a of ACTIONS) {
			expect(ACTION_LABELS[a]).toBeTruthy();
			expect(ACTION_NEEDS[a]).toBeTruthy();
		}
		for (const a of ['refuse', 'stop', 'send_back', 'request_supplement', 'apologise'] as const)
			expect(ACTION_NEEDS[a].reason).toBe('required');
		expect(ACTION_NEEDS.apologise.newDate).toBe(true);
		expect(ACTION_NEEDS.request_supplement.items).toBe(true);
	});
	it('labels states and history entries, never showing an internal code for a known one', () => {
		expect(stateLabel('awaiting_approval')).toBe('Chờ phê duyệt');
		expect(stateLabel('mystery')).toBe('mystery');
		expect(historyLabel('receive_at_counter')).toBe('Tiếp nhận trực tiếp tại Bộ phận Một cửa');
		expect(historyLabel('unknown')).toBe('Cập nhật hồ sơ');
	});
});

describe('maskId', () => {
	it('keeps the first and last three digits', () => {
		expect(maskId('001090012345')).toBe('001******345');
		expect(maskId('')).toBe('');
		expect(maskId('12345')).toBe('*****');
	});
});
