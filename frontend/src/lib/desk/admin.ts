/**
 * Administration helpers: which agencies the person manages, and the role grants of a staff form.
 * Pure: unit-tested in admin.test.ts.
 */
import type { Me } from '../session';
import { administeredAgencies } from './session';

export interface Grant {
	unit_id: string;
	role: string;
}

/** The agencies the person administers, with names, in the agency list's order (all for a system administrator). */
export function adminAgencyList(me: Pick<Me, 'roles'>, names: Record<string, string>): { id: string; name: string }[] {
	const mine = administeredAgencies(me);
	const ids = mine === null ? Object.keys(names) : Object.keys(names).filter((id) => mine.includes(id));
	// An administered agency missing from the list of names still shows, by id.
	for (const id of mine ?? []) if (!ids.includes(id)) ids.push(id);
	return ids.map((id) => ({ id, name: names[id] ?? id }));
}

/** The agency chosen in the address (`?co-quan=`) if the person may administer it, else their first. */
export function chosenAgency(list: { id: string }[], param: string | null): string {
	if (param && list.some((a) => a.id === param)) return param;
	return list[0]?.id ?? '';
}

/** `body.roles[2].unit_id` → `${prefix}-unit-2`, `body.roles[2].role` → `${prefix}-role-2`, `body.roles` → `${prefix}-roles`. */
export function grantFieldId(prefix: string, path: string): string | null {
	const m = /^body\.roles\[(\d+)\]\.(unit_id|role)/.exec(path);
	if (m) return `${prefix}-${m[2] === 'unit_id' ? 'unit' : 'role'}-${m[1]}`;
	if (path === 'body.roles') return `${prefix}-roles`;
	const f = /^body\.([a-z_]+)$/.exec(path);
	return f ? `${prefix}-${f[1]}` : null;
}
