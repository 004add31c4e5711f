import { describe, expect, it } from 'vitest';
import { administeredAgencies, canAdminister, Intent, isReceivingClerk, registerAgencies, staffLoginUrl } from './session';

const r = (role: string, unit_kind = 'one_stop', agency_id = 'a1') => ({ role, unit_kind, agency_id, unit_id: 'u' });

describe('desk session', () => {
	it('signs staff in at the staff provider, coming back here', () => {
		expect(staffLoginUrl('/mot-cua/ho-so/1?x=2')).toBe('/auth/login?who=staff&return_to=%2Fmot-cua%2Fho-so%2F1%3Fx%3D2');
	});
	it('reads what the roles offer', () => {
		expect(isReceivingClerk({ roles: [r('clerk')] })).toBe(true);
		expect(isReceivingClerk({ roles: [r('clerk', 'specialist')] })).toBe(false);
		expect(canAdminister({ roles: [r('officer')] })).toBe(false);
		expect(administeredAgencies({ roles: [r('agency_admin', 'leadership', 'a2')] })).toEqual(['a2']);
		expect(administeredAgencies({ roles: [r('system_admin')] })).toBeNull();
		expect(registerAgencies({ roles: [r('leader', 'leadership', 'a3'), r('clerk'), r('officer', 'specialist', 'a4')] })).toEqual(['a3', 'a1']);
	});
});

describe('Intent', () => {
	it('keeps the key for the same request and takes a new one for a changed or finished one', () => {
		let n = 0;
		const i = new Intent(() => `k${++n}`);
		expect(i.keyFor({ a: 1 })).toBe('k1');
		expect(i.keyFor({ a: 1 })).toBe('k1');
		expect(i.keyFor({ a: 2 })).toBe('k2');
		i.done();
		expect(i.keyFor({ a: 2 })).toBe('k3');
	});
});
