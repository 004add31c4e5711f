/**
 * A dossier's e-form answers as text for the processing page, labelled by the procedure's fields.
 * Pure: unit-tested in answers.test.ts.
 */
import type { FormField } from '../citizen/eform';
import { formatVnd } from '../format';
import { dayText } from './time';

export interface AnswerRow {
	key: string;
	label: string;
	text: string;
}

function addressText(v: Record<string, unknown>): string {
	const detail = String(v['detail'] ?? '').trim();
	const commune = String(v['commune_code'] ?? '').trim();
	const province = String(v['province_code'] ?? '').trim();
	return [detail, commune && `mã xã, phường ${commune}`, province && `mã tỉnh ${province}`].filter(Boolean).join(', ');
}

/** One answer → text, by the field's kind (`Có`/`Không`, the option's label, dd/mm/yyyy, an address). */
export function answerText(field: FormField | undefined, value: unknown): string {
	if (value === null || value === undefined || value === '') return '—';
	const t = field?.kind.type;
	if (t === 'checkbox' || typeof value === 'boolean') return value === true ? 'Có' : 'Không';
	if (t === 'select' && field?.kind.type === 'select') {
		return field.kind.options.find((o) => o.value === value)?.label ?? String(value);
	}
	if (t === 'date' && typeof value === 'string') return dayText(value);
	if (typeof value === 'object') {
		const o = value as Record<string, unknown>;
		if ('detail' in o || 'province_code' in o) return addressText(o) || '—';
		return JSON.stringify(value);
	}
	if (t === 'number' && typeof value === 'number' && /tien|vnd|phi/.test(field?.key ?? '')) return formatVnd(value);
	return String(value);
}

/**
 * The answers in the form's order (fields of the procedure first), then any answer the current form
 * no longer has (the dossier keeps the version it was filed under), labelled by its key.
 */
export function answerRows(fields: FormField[], form: Record<string, unknown>): AnswerRow[] {
	const rows: AnswerRow[] = [];
	const seen = new Set<string>();
	for (const f of fields) {
		seen.add(f.key);
		if (!(f.key in form)) continue;
		rows.push({ key: f.key, label: f.label, text: answerText(f, form[f.key]) });
	}
	for (const [k, v] of Object.entries(form)) if (!seen.has(k)) rows.push({ key: k, label: k, text: answerText(undefined, v) });
	return rows;
}
