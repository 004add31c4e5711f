/**
 * The leaders' dashboard: who may read which agency's reports, the counters' Vietnamese names, and the
 * figures the charts and hot-spot lists are made of. Pure: unit-tested.
 */
import type { components } from '../api/schema';

export type Counters = components['schemas']['Counters'];
export type Group = components['schemas']['Group'];
type Role = { agency_id: string; role: string };

/**
 * The agencies whose reports the person reads: their leaders' and administrators' agencies, every agency
 * for a system administrator (`all`).
 */
export function reportAgencies(roles: Role[], all: string[]): string[] {
	if (roles.some((r) => r.role === 'system_admin')) return all;
	return [...new Set(roles.filter((r) => r.role === 'leader' || r.role === 'agency_admin').map((r) => r.agency_id))];
}

/** The counters a leader opens to the dossiers behind them, with their Vietnamese names. */
export const COUNTER_LABELS: [keyof Counters & string, string][] = [
	['received', 'Hồ sơ tiếp nhận'],
	['received_online', 'Tiếp nhận trực tuyến'],
	['received_counter', 'Tiếp nhận trực tiếp'],
	['received_post', 'Tiếp nhận qua bưu chính'],
	['awaiting_reception', 'Nộp trực tuyến, chờ tiếp nhận'],
	['finished_early', 'Giải quyết trước hạn'],
	['finished_on_time', 'Giải quyết đúng hạn'],
	['finished_late', 'Giải quyết quá hạn'],
	['in_progress_on_time', 'Đang giải quyết trong hạn'],
	['in_progress_late', 'Đang giải quyết quá hạn'],
	['paused', 'Tạm dừng (chờ bổ sung, nộp phí)'],
	['returned', 'Đã trả kết quả'],
	['refused', 'Từ chối'],
	['withdrawn', 'Rút hồ sơ'],
	['stopped', 'Dừng giải quyết'],
	['paid_online', 'Thanh toán trực tuyến'],
	['synced', 'Đã đồng bộ Cổng Dịch vụ công quốc gia'],
	['with_electronic_result', 'Có kết quả điện tử'],
	['complaints', 'Phản ánh, kiến nghị'],
	['negative_ratings', 'Đánh giá không hài lòng']
];

/** Finished on time (early or on the day) over everything finished; null when nothing finished. */
export function onTimeRate(c: Counters): number | null {
	const done = c.finished_early + c.finished_on_time + c.finished_late;
	return done ? (c.finished_early + c.finished_on_time) / done : null;
}

/**
 * The overdue hot spots: groups with dossiers late now or finished late in the period, worst first (late now
 * weighs first: those can still be saved), at most `n`.
 */
export function hotSpots(groups: Group[], n = 10): Group[] {
	return groups
		.filter((g) => g.counters.in_progress_late + g.counters.finished_late > 0)
		.sort(
			(a, b) =>
				b.counters.in_progress_late - a.counters.in_progress_late ||
				b.counters.finished_late - a.counters.finished_late ||
				a.label.localeCompare(b.label, 'vi')
		)
		.slice(0, n);
}

/** `2026-03` → `03/2026`. */
export function monthLabel(key: string): string {
	const [y, m] = key.split('-');
	return m ? `${m}/${y}` : key;
}
