/**
 * The procedure catalogue read at build time (prerendering), so that procedure
 * pages read without JavaScript. Default: the backend's seed catalogue; override
 * with MOTCUA_CATALOGUE_FILE (the format of `GET /api/v1/catalogue/export`).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Procedure } from './citizen/procedure';

let cache: Procedure[] | null = null;

export function catalogue(): Procedure[] {
	if (cache) return cache;
	const file = process.env.MOTCUA_CATALOGUE_FILE || resolve(process.cwd(), '../backend/seed/procedures.json');
	const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
	// The export may be a bare list or wrapped ({procedures: [...]}, or entries with {procedure}).
	const list: unknown[] = Array.isArray(raw)
		? raw
		: Array.isArray((raw as { procedures?: unknown[] }).procedures)
			? (raw as { procedures: unknown[] }).procedures
			: [];
	cache = list.map((p) =>
		p && typeof p === 'object' && 'procedure' in p ? (p as { procedure: Procedure }).procedure : (p as Procedure)
	);
	return cache;
}
