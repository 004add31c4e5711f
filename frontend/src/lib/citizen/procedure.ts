/** A procedure of the catalogue, as `GET /api/v1/procedures/{code}` and the catalogue export give it. */
import type { FormField } from './eform';
import { fold } from './words';

export interface Component {
	code: string;
	name: string;
	mandatory?: boolean;
	originals?: number;
	certified_copies?: number;
	photocopies?: number;
	template?: string;
	reusable?: boolean;
	bring_to_counter_allowed?: boolean;
}

export interface Fee {
	code?: string;
	name: string;
	amount_vnd: number;
	kind?: string;
	payable?: string;
}

export interface Procedure {
	code: string;
	name: string;
	field: { code: string; name: string };
	competent: { level?: string; agency?: string };
	online_level: string;
	statutory_time: { unit: string; value: number };
	components: Component[];
	results?: { code: string; name: string; electronic?: boolean }[];
	fees?: Fee[];
	form: { fields: FormField[] };
	legal_basis?: string[];
	result_delivery?: string[];
	workflow?: { name: string; hours: number; role: string; unit: string }[];
	sample?: boolean;
}

export interface Summary {
	code: string;
	name: string;
	field_code: string;
	field_name: string;
	online_level: string;
	competent_level?: string | null;
	competent_agency?: string | null;
}

export function summarise(p: Procedure): Summary {
	return {
		code: p.code,
		name: p.name,
		field_code: p.field.code,
		field_name: p.field.name,
		online_level: p.online_level,
		competent_level: p.competent.level ?? null,
		competent_agency: p.competent.agency ?? null
	};
}

export interface Agency {
	id: string;
	parent_id?: string | null;
	name: string;
	level: string;
	code?: string | null;
	legacy_code?: string | null;
}

/** The agencies that may receive a procedure: every agency of its level, or the one named by code. */
export function competentAgencies(p: Pick<Procedure, 'competent'>, agencies: Agency[]): Agency[] {
	if (p.competent.agency) {
		const code = p.competent.agency;
		return agencies.filter((a) => a.code === code || a.legacy_code === code);
	}
	if (p.competent.level) return agencies.filter((a) => a.level === p.competent.level);
	return [];
}

export interface Filters {
	q: string;
	field: string;
	level: string;
	online: string;
}

/** Filter summaries on the client (the prerendered list, or what the API did not filter). */
export function filterSummaries(list: Summary[], f: Filters, agencyLevel: (s: Summary) => string): Summary[] {
	const q = fold(f.q);
	return list.filter(
		(s) =>
			(!q || q.split(' ').every((w) => fold(`${s.name} ${s.code} ${s.field_name}`).includes(w))) &&
			(!f.field || s.field_code === f.field) &&
			(!f.level || agencyLevel(s) === f.level) &&
			(!f.online || s.online_level === f.online)
	);
}

export function canFileOnline(p: Pick<Procedure, 'online_level'>): boolean {
	return p.online_level === 'full' || p.online_level === 'partial';
}
