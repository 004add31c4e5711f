/**
 * Staff sign-in and who may do what on the desk, from `GET /api/v1/me` (kind `staff`, roles per unit).
 * The roles only decide what the desk offers; the API decides what is allowed.
 */
import { getMe, type Me } from '../session';

export type Role = Me['roles'][number];

/** `/auth/login` at the staff identity provider, coming back to `returnTo` (a path of ours). */
export function staffLoginUrl(returnTo: string): string {
	return `/auth/login?who=staff&return_to=${encodeURIComponent(returnTo)}`;
}

export type DeskSession =
	| { kind: 'staff'; me: Me }
	| { kind: 'citizen'; me: Me }
	| { kind: 'anonymous' }
	| { kind: 'error'; error: unknown };

/** Who is at the desk (asked fresh: the session may have ended in another tab). */
export async function deskSession(): Promise<DeskSession> {
	try {
		const me = await getMe({ fresh: true });
		if (!me) return { kind: 'anonymous' };
		return me.kind === 'staff' ? { kind: 'staff', me } : { kind: 'citizen', me };
	} catch (error) {
		return { kind: 'error', error };
	}
}

export function roleNames(me: Pick<Me, 'roles'>): string[] {
	return [...new Set(me.roles.map((r) => r.role))];
}

export function hasRole(me: Pick<Me, 'roles'>, role: string): boolean {
	return me.roles.some((r) => r.role === role);
}

export function isReceivingClerk(me: Pick<Me, 'roles'>): boolean {
	return me.roles.some((r) => r.role === 'clerk' && r.unit_kind === 'one_stop');
}

export function isSystemAdmin(me: Pick<Me, 'roles'>): boolean {
	return hasRole(me, 'system_admin');
}

/** The agencies the person administers (agency_admin), or null for a system administrator (every agency). */
export function administeredAgencies(me: Pick<Me, 'roles'>): string[] | null {
	if (isSystemAdmin(me)) return null;
	return [...new Set(me.roles.filter((r) => r.role === 'agency_admin').map((r) => r.agency_id))];
}

export function canAdminister(me: Pick<Me, 'roles'>): boolean {
	return isSystemAdmin(me) || hasRole(me, 'agency_admin');
}

/** The agency's clerks, leaders and administrators read its register (Mẫu 07). */
export function registerAgencies(me: Pick<Me, 'roles'>): string[] {
	const readers = new Set(['clerk', 'leader', 'agency_admin']);
	return [...new Set(me.roles.filter((r) => readers.has(r.role)).map((r) => r.agency_id))];
}

/** The Idempotency-Key per intent lives with the API call; the desk pages take it from here too. */
export { Intent } from '../session';

