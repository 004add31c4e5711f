import { describe, expect, it } from 'vitest';
import { adminAgencyList, chosenAgency, grantFieldId } from './admin';

const role = (role: string, agency_id: string) => ({ role, agency_id, unit_id: `u-${agency_id}`, unit_kind: 'leadership' });
const names = { a1: 'Phường Hạc Thành', a2: 'Sở Tư pháp', a3: 'Tỉnh' };

describe('administered agencies', () => {
	it('lists an agency administrator’s own agencies, and every agency for a system administrator', () => {
		expect(adminAgencyList({ roles: [role('agency_admin', 'a2'), role('clerk', 'a1')] }, names)).toEqual([{ id: 'a2', name: 'Sở Tư pháp' }]);
		expect(adminAgencyList({ roles: [role('system_admin', 'a3')] }, names).map((a) => a.id)).toEqual(['a1', 'a2', 'a3']);
	});
	it('keeps the chosen agency only when it is one of them', () => {
		const list = [{ id: 'a1' }, { id: 'a2' }];
		expect(chosenAgency(list, 'a2')).toBe('a2');
		expect(chosenAgency(list, 'zz')).toBe('a1');
		expect(chosenAgency([], null)).toBe('');
	});
});

describe('role grants', () => {
	it('places the API’s role errors', () => {
		expect(grantFieldId('st', 'body.roles[1].unit_id')).toBe('st-unit-1');
		expect(grantFieldId('st', 'body.roles[0].role')).toBe('st-role-0');
		expect(grantFieldId('rl', 'body.roles')).toBe('rl-roles');
		expect(grantFieldId('st', 'body.username')).toBe('st-username');
	});
});
