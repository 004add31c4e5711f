import { describe, expect, it } from 'vitest';
import { dayText, formatDateTime, formatTime, parseDay, rowUrgency, stepVerdict, timeLeft, vnInstant, vnToday, workingDuration } from './time';

describe('formatting in Vietnam time', () => {
	it('gives hh:mm and hh:mm dd/mm/yyyy whatever the machine zone', () => {
		expect(formatTime(new Date('2026-03-02T01:05:00Z'))).toBe('08:05');
		expect(formatDateTime('2026-03-02T16:30:00Z')).toBe('23:30 02/03/2026');
		expect(formatDateTime('2026-03-02T17:30:00Z')).toBe('00:30 03/03/2026');
	});
	it('converts calendar days both ways and refuses days that do not exist', () => {
		expect(dayText('2026-02-09')).toBe('09/02/2026');
		expect(parseDay('9/2/2026')).toBe('2026-02-09');
		expect(parseDay(' 15/01/1990 ')).toBe('1990-01-15');
		expect(parseDay('31/02/2026')).toBeNull();
		expect(parseDay('2026-02-09')).toBeNull();
		expect(vnToday(new Date('2026-03-02T18:00:00Z'))).toBe('2026-03-03');
	});
	it('builds an RFC 3339 instant at +07:00 from a day and a time', () => {
		expect(vnInstant('2026-04-10', '17:00')).toBe('2026-04-10T17:00:00+07:00');
		expect(vnInstant('', '17:00')).toBeNull();
		expect(vnInstant('2026-04-10', '5pm')).toBeNull();
	});
});

describe('working time left', () => {
	it('counts 8-hour working days', () => {
		expect(workingDuration(0)).toBe('0 phút');
		expect(workingDuration(45)).toBe('45 phút');
		expect(workingDuration(135)).toBe('2 giờ 15 phút');
		expect(workingDuration(600)).toBe('1 ngày 2 giờ');
		expect(workingDuration(-960)).toBe('2 ngày');
	});
	it('says on time, due soon, late, paused and finished in words', () => {
		expect(timeLeft({ time_left_minutes: 1500 })).toMatchObject({ urgency: 'ok', label: 'Trong hạn', detail: 'còn 3 ngày 1 giờ làm việc' });
		expect(timeLeft({ time_left_minutes: 300 })).toMatchObject({ urgency: 'soon', label: 'Sắp đến hạn' });
		expect(timeLeft({ time_left_minutes: -30 })).toMatchObject({ urgency: 'late', label: 'Quá hạn', detail: 'quá 30 phút làm việc' });
		expect(timeLeft({ time_left_minutes: 900, paused: true })).toMatchObject({ urgency: 'paused', label: 'Tạm dừng tính thời hạn' });
		expect(timeLeft({ timeliness: 'early' })).toMatchObject({ urgency: 'done', label: 'Đã giải quyết: trước hạn' });
		expect(timeLeft({ timeliness: 'late' })).toMatchObject({ urgency: 'late' });
		expect(timeLeft({})).toMatchObject({ urgency: 'none' });
	});
	it('judges a queue row from its appointment', () => {
		const now = new Date('2026-03-02T03:00:00Z');
		expect(rowUrgency('2026-03-02T02:00:00Z', 'in_processing', now).urgency).toBe('late');
		expect(rowUrgency('2026-03-02T10:00:00Z', 'received', now).urgency).toBe('soon');
		expect(rowUrgency('2026-03-05T10:00:00Z', 'received', now)).toMatchObject({ urgency: 'ok', detail: 'hạn 17:00 05/03/2026' });
		expect(rowUrgency(null, 'submitted', now).urgency).toBe('none');
		expect(rowUrgency('2026-03-01T00:00:00Z', 'supplement_requested', now).urgency).toBe('paused');
		expect(rowUrgency('2026-03-01T00:00:00Z', 'returned', now).urgency).toBe('done');
	});
	it('judges a workflow step', () => {
		const now = new Date('2026-03-02T03:00:00Z');
		expect(stepVerdict('on_time', '2026-03-01T00:00:00Z', true, now)).toMatchObject({ urgency: 'ok', label: 'Đúng hạn' });
		expect(stepVerdict('late', '2026-03-01T00:00:00Z', true, now).urgency).toBe('late');
		expect(stepVerdict(null, '2026-03-01T00:00:00Z', false, now).label).toBe('Đang quá hạn');
		expect(stepVerdict(null, '2026-03-09T00:00:00Z', false, now).label).toBe('Đang trong hạn');
	});
});
