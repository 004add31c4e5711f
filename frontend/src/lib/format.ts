/**
 * Display formatting for Vietnamese users.
 *
 * Dates are shown in Vietnam's time zone (Asia/Ho_Chi_Minh, UTC+7, no DST)
 * regardless of the device's zone, so that a deadline reads the same on every
 * machine.
 */

const VND = new Intl.NumberFormat('vi-VN', {
	style: 'currency',
	currency: 'VND',
	maximumFractionDigits: 0
});

/** U+00A0 NO-BREAK SPACE, which vi-VN puts between the amount and "₫". */
export const NBSP = '\u00A0';

/**
 * 1250000 → "1.250.000 ₫": dots group thousands, and the space before "₫" is
 * a NO-BREAK SPACE (U+00A0), so the symbol never wraps onto its own line.
 * Any other space an ICU version may emit there (e.g. U+202F) is normalised
 * to U+00A0 so output is identical in every browser and in Node.
 */
export function formatVnd(amount: number): string {
	return VND.format(amount).replace(/[\s\u202F]/g, NBSP);
}

const VN_OFFSET_MS = 7 * 60 * 60 * 1000;

/** dd/mm/yyyy in Vietnam time (UTC+7). */
export function formatDate(date: Date): string {
	const t = date.getTime();
	if (Number.isNaN(t)) throw new RangeError('formatDate: invalid date');
	const vn = new Date(t + VN_OFFSET_MS);
	const dd = String(vn.getUTCDate()).padStart(2, '0');
	const mm = String(vn.getUTCMonth() + 1).padStart(2, '0');
	const yyyy = String(vn.getUTCFullYear()).padStart(4, '0');
	return `${dd}/${mm}/${yyyy}`;
}
