/**
 * The queue page's state in its address (so a reload or a shared link shows the same list) and the
 * API query it stands for. Pure: unit-tested in queue.test.ts.
 */
import { isQueue, type QueueName } from './words';

export interface QueueFilters {
	queue: QueueName | '';
	q: string;
	state: string;
	channel: string;
	procedure: string;
	sort: 'submitted' | 'due';
	from: string;
	to: string;
}

export const EMPTY_FILTERS: QueueFilters = {
	queue: '',
	q: '',
	state: '',
	channel: '',
	procedure: '',
	sort: 'submitted',
	from: '',
	to: ''
};

/** The page address's parameters (Vietnamese names) → filters. */
export function filtersFromUrl(params: URLSearchParams, fallbackQueue: QueueName | null): QueueFilters {
	const queueParam = params.get('hang-doi');
	const queue = isQueue(queueParam) ? queueParam : queueParam === 'tat-ca' ? '' : (fallbackQueue ?? '');
	return {
		queue,
		q: params.get('tim') ?? '',
		state: params.get('trang-thai') ?? '',
		channel: params.get('kenh') ?? '',
		procedure: params.get('thu-tuc') ?? '',
		sort: params.get('sap-xep') === 'han' ? 'due' : 'submitted',
		from: params.get('tu-ngay') ?? '',
		to: params.get('den-ngay') ?? ''
	};
}

/** Filters → the page address's query string (empty values left out). */
export function filtersToUrl(f: QueueFilters): string {
	const p = new URLSearchParams();
	p.set('hang-doi', f.queue || 'tat-ca');
	if (f.q.trim()) p.set('tim', f.q.trim());
	if (f.state) p.set('trang-thai', f.state);
	if (f.channel) p.set('kenh', f.channel);
	if (f.procedure.trim()) p.set('thu-tuc', f.procedure.trim());
	if (f.sort === 'due') p.set('sap-xep', 'han');
	if (f.from) p.set('tu-ngay', f.from);
	if (f.to) p.set('den-ngay', f.to);
	return p.toString();
}

/** A calendar day (yyyy-mm-dd) → the instant it starts in Vietnam, RFC 3339. */
function dayStart(day: string): string {
	return `${day}T00:00:00+07:00`;
}

/** The day after `day` (yyyy-mm-dd). */
export function nextDay(day: string): string {
	const d = new Date(`${day}T00:00:00Z`);
	d.setUTCDate(d.getUTCDate() + 1);
	return d.toISOString().slice(0, 10);
}

/** Filters (+ the cursor of the page to show) → `GET /api/v1/dossiers?...`. */
export function apiQuery(f: QueueFilters, after: string | null, limit = 50): string {
	const p = new URLSearchParams();
	if (f.queue) p.set('queue', f.queue);
	if (f.q.trim()) p.set('q', f.q.trim());
	if (f.state) p.set('state', f.state);
	if (f.channel) p.set('channel', f.channel);
	if (f.procedure.trim()) p.set('procedure', f.procedure.trim());
	if (f.sort === 'due') p.set('sort', 'due');
	if (/^\d{4}-\d{2}-\d{2}$/.test(f.from)) p.set('received_from', dayStart(f.from));
	// "to" is inclusive for people: received before the start of the next day.
	if (/^\d{4}-\d{2}-\d{2}$/.test(f.to)) p.set('received_to', dayStart(nextDay(f.to)));
	p.set('limit', String(limit));
	if (after) p.set('after', after);
	return `/api/v1/dossiers?${p.toString()}`;
}
