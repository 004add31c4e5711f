import { describe, expect, it } from 'vitest';
import { hotSpots, monthLabel, onTimeRate, reportAgencies, type Counters, type Group } from './dashboard';

const zero = {
	received: 0, received_counter: 0, received_online: 0, received_post: 0, awaiting_reception: 0, refused: 0,
	withdrawn: 0, stopped: 0, finished_early: 0, finished_on_time: 0, finished_late: 0, in_progress_on_time: 0,
	in_progress_late: 0, paused: 0, returned: 0, with_fee: 0, paid_online: 0, with_digitised_components: 0,
	reusing_documents: 0, using_population_data: 0, synced: 0, with_electronic_result: 0, ratings: 0,
	negative_ratings: 0, complaints: 0, procedures: 0, procedures_online: 0
} as Counters;
const group = (label: string, c: Partial<Counters>): Group => ({ key: label, label, counters: { ...zero, ...c } });

describe('dashboard', () => {
	it('reads the reports of the agencies one leads or administers, every agency for a system administrator', () => {
		const roles = [
			{ agency_id: 'a', role: 'leader' },
			{ agency_id: 'b', role: 'clerk' },
			{ agency_id: 'c', role: 'agency_admin' },
			{ agency_id: 'a', role: 'agency_admin' }
		];
		expect(reportAgencies(roles, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c']);
		expect(reportAgencies([{ agency_id: 'x', role: 'system_admin' }], ['a', 'b'])).toEqual(['a', 'b']);
		expect(reportAgencies([{ agency_id: 'b', role: 'clerk' }], ['a', 'b'])).toEqual([]);
	});

	it('rates on time over what finished', () => {
		expect(onTimeRate({ ...zero, finished_early: 1, finished_on_time: 2, finished_late: 1 })).toBe(0.75);
		expect(onTimeRate(zero)).toBeNull();
	});

	it('ranks hot spots by dossiers late now, then finished late, leaving out the ones without delay', () => {
		const spots = hotSpots([
			group('Phòng A', { finished_late: 5 }),
			group('Phòng B', { in_progress_late: 2 }),
			group('Phòng C', {}),
			group('Phòng D', { in_progress_late: 2, finished_late: 1 })
		]);
		expect(spots.map((g) => g.label)).toEqual(['Phòng D', 'Phòng B', 'Phòng A']);
		expect(hotSpots([group('x', { finished_late: 1 }), group('y', { finished_late: 2 })], 1).map((g) => g.label)).toEqual(['y']);
	});

	it('writes months as mm/yyyy', () => {
		expect(monthLabel('2026-03')).toBe('03/2026');
	});
});
