import { describe, expect, it } from 'vitest';
import { apiQuery, EMPTY_FILTERS, filtersFromUrl, filtersToUrl, nextDay } from './queue';

describe('queue address', () => {
	it('round-trips filters through the page address', () => {
		const f = { ...EMPTY_FILTERS, queue: 'overdue' as const, q: 'nguyen van an', state: 'received', channel: '2', sort: 'due' as const, from: '2026-03-01', to: '2026-03-31' };
		expect(filtersFromUrl(new URLSearchParams(filtersToUrl(f)), null)).toEqual({ ...f, procedure: '' });
	});
	it('opens the role default queue when the address names none, and all dossiers on request', () => {
		expect(filtersFromUrl(new URLSearchParams(''), 'to_receive').queue).toBe('to_receive');
		expect(filtersFromUrl(new URLSearchParams('hang-doi=tat-ca'), 'to_receive').queue).toBe('');
		expect(filtersFromUrl(new URLSearchParams('hang-doi=bogus'), 'to_return').queue).toBe('to_return');
	});
});

describe('API query', () => {
	it('names the queue, filters, sort, cursor and an inclusive day range in Vietnam time', () => {
		const url = apiQuery({ ...EMPTY_FILTERS, queue: 'to_receive', q: ' An ', from: '2026-03-01', to: '2026-03-31', sort: 'due' }, 'c1', 25);
		const p = new URL(url, 'http://x').searchParams;
		expect(p.get('queue')).toBe('to_receive');
		expect(p.get('q')).toBe('An');
		expect(p.get('sort')).toBe('due');
		expect(p.get('received_from')).toBe('2026-03-01T00:00:00+07:00');
		expect(p.get('received_to')).toBe('2026-04-01T00:00:00+07:00');
		expect(p.get('after')).toBe('c1');
		expect(p.get('limit')).toBe('25');
	});
	it('leaves out what is not set', () => {
		expect(apiQuery(EMPTY_FILTERS, null)).toBe('/api/v1/dossiers?limit=50');
		expect(nextDay('2026-12-31')).toBe('2027-01-01');
	});
});
