/**
 * Time on the desk: appointments, working time left, and the early / on-time / late judgement,
 * always as text as well as a colour. Vietnam time (UTC+7, no DST). Pure: unit-tested in time.test.ts.
 */
import { formatDate } from '../format';

const VN_OFFSET_MS = 7 * 60 * 60 * 1000;
/** 8 working hours make a working day (domain.md §5). */
export const MINUTES_PER_WORKING_DAY = 8 * 60;

/** hh:mm in Vietnam time. */
export function formatTime(date: Date): string {
	const vn = new Date(date.getTime() + VN_OFFSET_MS);
	return `${String(vn.getUTCHours()).padStart(2, '0')}:${String(vn.getUTCMinutes()).padStart(2, '0')}`;
}

/** hh:mm dd/mm/yyyy in Vietnam time (the order of the official forms). */
export function formatDateTime(iso: string | Date): string {
	const d = typeof iso === 'string' ? new Date(iso) : iso;
	return `${formatTime(d)} ${formatDate(d)}`;
}

/** 0 → "0 phút", 135 → "2 giờ 15 phút", 600 → "1 ngày 2 giờ" (working days of 8 hours). */
export function workingDuration(minutes: number): string {
	const m = Math.abs(Math.round(minutes));
	const days = Math.floor(m / MINUTES_PER_WORKING_DAY);
	const hours = Math.floor((m % MINUTES_PER_WORKING_DAY) / 60);
	const mins = m % 60;
	const parts: string[] = [];
	if (days) parts.push(`${days} ngày`);
	if (hours) parts.push(`${hours} giờ`);
	if (mins && !days) parts.push(`${mins} phút`);
	return parts.length ? parts.join(' ') : '0 phút';
}

export type Urgency = 'ok' | 'soon' | 'late' | 'paused' | 'done' | 'none';

export interface TimeLeft {
	urgency: Urgency;
	/** Short label (the colour's meaning in words). */
	label: string;
	/** Details: how much time, or the finished judgement. */
	detail: string;
}

export interface ClockFacts {
	time_left_minutes?: number | null;
	paused?: boolean;
	timeliness?: string | null;
	due_at?: string | null;
	finished_at?: string | null;
	state?: string;
}

const FINISHED_LABELS: Record<string, [Urgency, string]> = {
	early: ['ok', 'Trước hạn'],
	on_time: ['ok', 'Đúng hạn'],
	late: ['late', 'Quá hạn']
};

/**
 * The dossier page's verdict, from the working minutes the API computed: late when negative, due
 * soon within one working day, else on time; paused and finished dossiers say so.
 */
export function timeLeft(d: ClockFacts): TimeLeft {
	if (d.timeliness && FINISHED_LABELS[d.timeliness]) {
		const [urgency, label] = FINISHED_LABELS[d.timeliness]!;
		return { urgency: urgency === 'late' ? 'late' : 'done', label: `Đã giải quyết: ${label.toLowerCase()}`, detail: label };
	}
	const m = d.time_left_minutes;
	if (m === null || m === undefined) return { urgency: 'none', label: 'Chưa tính thời hạn', detail: '' };
	if (d.paused) return { urgency: 'paused', label: 'Tạm dừng tính thời hạn', detail: `còn ${workingDuration(m)} làm việc` };
	if (m < 0) return { urgency: 'late', label: 'Quá hạn', detail: `quá ${workingDuration(m)} làm việc` };
	if (m <= MINUTES_PER_WORKING_DAY) return { urgency: 'soon', label: 'Sắp đến hạn', detail: `còn ${workingDuration(m)} làm việc` };
	return { urgency: 'ok', label: 'Trong hạn', detail: `còn ${workingDuration(m)} làm việc` };
}

const TERMINAL = new Set(['returned', 'refused', 'withdrawn', 'stopped', 'result_ready']);

/**
 * A queue row's verdict from its appointment alone (the list has no working minutes): late once the
 * appointment has passed, due soon within 24 hours, else on time.
 */
export function rowUrgency(dueAt: string | null | undefined, state: string, now: Date): TimeLeft {
	if (state === 'supplement_requested' || state === 'payment_requested')
		return { urgency: 'paused', label: 'Tạm dừng', detail: 'chờ người nộp' };
	if (TERMINAL.has(state)) return { urgency: 'done', label: 'Đã xong', detail: '' };
	if (!dueAt) return { urgency: 'none', label: 'Chưa có hạn', detail: '' };
	const due = new Date(dueAt);
	const ms = due.getTime() - now.getTime();
	const when = `hạn ${formatDateTime(due)}`;
	if (ms < 0) return { urgency: 'late', label: 'Quá hạn', detail: when };
	if (ms <= 24 * 3600 * 1000) return { urgency: 'soon', label: 'Sắp đến hạn', detail: when };
	return { urgency: 'ok', label: 'Trong hạn', detail: when };
}

/** A step's timeliness (early / on_time / late) → urgency and label. */
export function stepVerdict(t: string | null | undefined, dueAt: string, finished: boolean, now: Date): TimeLeft {
	if (t && FINISHED_LABELS[t]) {
		const [u, label] = FINISHED_LABELS[t]!;
		return { urgency: u, label, detail: '' };
	}
	if (finished) return { urgency: 'done', label: 'Đã xong', detail: '' };
	return new Date(dueAt).getTime() < now.getTime()
		? { urgency: 'late', label: 'Đang quá hạn', detail: '' }
		: { urgency: 'ok', label: 'Đang trong hạn', detail: '' };
}

/** A date and time typed in Vietnam time (`yyyy-mm-dd`, `hh:mm`) → RFC 3339 with +07:00, or null. */
export function vnInstant(day: string, time: string): string | null {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !/^\d{2}:\d{2}$/.test(time)) return null;
	const d = new Date(`${day}T${time}:00+07:00`);
	if (Number.isNaN(d.getTime())) return null;
	return `${day}T${time}:00+07:00`;
}

/** Today in Vietnam as yyyy-mm-dd. */
export function vnToday(now: Date): string {
	return new Date(now.getTime() + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** yyyy-mm-dd → dd/mm/yyyy (a calendar day, no time zone involved). */
export function dayText(day: string): string {
	const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
	return m ? `${m[3]}/${m[2]}/${m[1]}` : day;
}

/** dd/mm/yyyy typed by a person → yyyy-mm-dd, or null when it is not a real day. */
export function parseDay(text: string): string | null {
	const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
	if (!m) return null;
	const [dd, mm, yyyy] = [Number(m[1]), Number(m[2]), Number(m[3])];
	const d = new Date(Date.UTC(yyyy, mm - 1, dd));
	if (d.getUTCFullYear() !== yyyy || d.getUTCMonth() !== mm - 1 || d.getUTCDate() !== dd) return null;
	return `${yyyy}-${String(mm).padStart(2, '0')}-${String(dd).padStart(2, '0')}`;
}
