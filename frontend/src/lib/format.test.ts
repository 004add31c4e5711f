import { describe, expect, it } from 'vitest';
import { formatDate, formatVnd, NBSP } from './format';

describe('formatVnd', () => {
	it('formats 1250000 as "1.250.000 ₫" with a NO-BREAK SPACE (U+00A0)', () => {
		expect(formatVnd(1250000)).toBe('1.250.000\u00A0₫');
		expect(NBSP).toBe('\u00A0');
		// Explicitly: not an ordinary space and not a narrow no-break space.
		expect(formatVnd(1250000)).not.toContain(' ');
		expect(formatVnd(1250000)).not.toContain('\u202F');
		expect(formatVnd(1250000).charCodeAt(9)).toBe(0x00a0);
		expect(formatVnd(1250000).at(-1)).toBe('\u20AB'); // ₫ DONG SIGN
	});

	it('handles zero, small and large amounts', () => {
		expect(formatVnd(0)).toBe('0\u00A0₫');
		expect(formatVnd(500)).toBe('500\u00A0₫');
		expect(formatVnd(1_000_000_000)).toBe('1.000.000.000\u00A0₫');
	});

	it('rounds to whole đồng', () => {
		expect(formatVnd(1999.6)).toBe('2.000\u00A0₫');
	});
});

describe('formatDate', () => {
	it('gives dd/mm/yyyy', () => {
		expect(formatDate(new Date('2025-03-04T10:00:00+07:00'))).toBe('04/03/2025');
		expect(formatDate(new Date('2024-12-25T00:00:00+07:00'))).toBe('25/12/2024');
	});

	it('uses Vietnam time (UTC+7) whatever the machine time zone', () => {
		// 17:30 UTC on 31/12/2025 is already 00:30 on 01/01/2026 in Hà Nội.
		expect(formatDate(new Date('2025-12-31T17:30:00Z'))).toBe('01/01/2026');
		expect(formatDate(new Date('2025-12-31T16:59:59Z'))).toBe('31/12/2025');
	});

	it('rejects invalid dates', () => {
		expect(() => formatDate(new Date('not a date'))).toThrow(RangeError);
	});
});
