/**
 * What the API's internal codes mean, in the words a citizen understands.
 * Pure functions: unit-tested in words.test.ts.
 */
import { formatDate, formatVnd } from '../format';

/** The dossier's state (internal) → a short label for the citizen. */
export const STATE_LABELS: Readonly<Record<string, string>> = {
	submitted: 'Đã nộp, chờ tiếp nhận',
	received: 'Đã tiếp nhận',
	in_processing: 'Đang giải quyết',
	awaiting_approval: 'Đang giải quyết',
	supplement_requested: 'Cần bổ sung hồ sơ',
	payment_requested: 'Chờ nộp phí, lệ phí',
	result_ready: 'Đã có kết quả',
	returned: 'Đã trả kết quả',
	refused: 'Không được tiếp nhận',
	withdrawn: 'Đã rút hồ sơ',
	stopped: 'Đã dừng giải quyết'
};

/** National status 1–10 (TrangThaiHoSo) → the citizen's label. */
export const NATIONAL_LABELS: Readonly<Record<number, string>> = {
	1: 'Đã nộp, chờ tiếp nhận',
	2: 'Đã tiếp nhận',
	3: 'Không được tiếp nhận',
	4: 'Đang giải quyết',
	5: 'Cần bổ sung hồ sơ',
	6: 'Chờ nộp phí, lệ phí',
	7: 'Đã rút hồ sơ',
	8: 'Đã dừng giải quyết',
	9: 'Đã có kết quả',
	10: 'Đã trả kết quả'
};

export function stateLabel(state: string, national?: number): string {
	return STATE_LABELS[state] ?? (national !== undefined ? NATIONAL_LABELS[national] : undefined) ?? 'Đang giải quyết';
}

export function nationalLabel(code: number): string {
	return NATIONAL_LABELS[code] ?? 'Đang giải quyết';
}

/** Why the clock is paused, for a paused dossier. */
export function pausedExplanation(state: string): string | null {
	if (state === 'supplement_requested')
		return 'Thời hạn giải quyết tạm dừng cho đến khi bạn bổ sung đủ giấy tờ cơ quan yêu cầu.';
	if (state === 'payment_requested')
		return 'Thời hạn giải quyết tạm dừng cho đến khi bạn nộp phí, lệ phí.';
	return null;
}

export interface HistoryLike {
	action: string;
	at: string;
	actor_kind?: string;
	note?: string | null;
	reason?: string | null;
	due_at?: string | null;
	to_state?: string;
	data?: Record<string, unknown> | null;
}

function items(data: HistoryLike['data']): string[] {
	const v = data?.['items'];
	return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function withReason(text: string, reason?: string | null): string {
	return reason ? `${text}. Lý do: ${reason}` : text;
}

/** One history entry → one Vietnamese sentence (never an internal code). */
export function historySentence(h: HistoryLike): string {
	switch (h.action) {
		case 'submit':
			return 'Bạn đã nộp hồ sơ trực tuyến';
		case 'receive_from_portal':
			return 'Hồ sơ được nộp qua Cổng Dịch vụ công quốc gia';
		case 'receive_at_counter':
			return 'Hồ sơ được nộp trực tiếp tại Bộ phận Một cửa';
		case 'accept': {
			const d = h.due_at ? `; ngày hẹn trả kết quả: ${formatDate(new Date(h.due_at))}` : '';
			return `Bộ phận Một cửa đã tiếp nhận hồ sơ${d}`;
		}
		case 'request_supplement': {
			const list = items(h.data);
			const base = list.length
				? `Cơ quan yêu cầu bổ sung hồ sơ: ${list.join('; ')}`
				: 'Cơ quan yêu cầu bổ sung hồ sơ';
			return withReason(base, h.reason);
		}
		case 'receive_supplement':
			return h.actor_kind === 'citizen' ? 'Bạn đã bổ sung hồ sơ' : 'Cơ quan đã nhận hồ sơ bổ sung';
		case 'refuse':
			return withReason('Cơ quan từ chối tiếp nhận hồ sơ', h.reason);
		case 'hand_over':
			return 'Hồ sơ được chuyển xử lý';
		case 'send_back':
			return withReason('Hồ sơ được chuyển lại bước trước để xem xét lại', h.reason);
		case 'submit_for_approval':
			return 'Hồ sơ được trình lãnh đạo phê duyệt';
		case 'request_payment':
			return 'Cơ quan đề nghị nộp phí, lệ phí';
		case 'record_payment': {
			const amount = typeof h.data?.['amount'] === 'number' ? ` (${formatVnd(h.data['amount'] as number)})` : '';
			return `Đã ghi nhận việc nộp phí, lệ phí${amount}`;
		}
		case 'approve':
		case 'issue_result':
			return 'Đã có kết quả';
		case 'return_result':
			return 'Kết quả đã được trả cho bạn';
		case 'withdraw':
			return withReason('Bạn đã rút hồ sơ', h.reason);
		case 'stop':
			return withReason('Cơ quan dừng giải quyết hồ sơ', h.reason);
		case 'apologise': {
			const nd = (h.data?.['new_due_at'] as string | undefined) ?? h.due_at ?? null;
			const when = nd ? `; ngày hẹn mới: ${formatDate(new Date(nd))}` : '';
			return withReason(`Cơ quan gửi văn bản xin lỗi và hẹn lại ngày trả kết quả${when}`, h.reason);
		}
		default:
			return 'Hồ sơ được cập nhật';
	}
}

/** The latest supplement request of a history (items and reason), if any. */
export function latestSupplementRequest(history: HistoryLike[]): { items: string[]; reason: string | null } | null {
	for (let i = history.length - 1; i >= 0; i--) {
		const h = history[i]!;
		if (h.action === 'request_supplement') return { items: items(h.data), reason: h.reason ?? null };
	}
	return null;
}

export const ONLINE_LEVELS: Readonly<Record<string, string>> = {
	full: 'Trực tuyến toàn trình',
	partial: 'Trực tuyến một phần',
	none: 'Không hỗ trợ trực tuyến'
};

export const AGENCY_LEVELS: Readonly<Record<string, string>> = {
	province: 'Cấp tỉnh',
	department: 'Sở, ban, ngành',
	commune: 'Cấp xã',
	ministry: 'Cấp bộ',
	other: 'Khác'
};

export const DELIVERY: Readonly<Record<string, string>> = {
	online: 'Nhận kết quả điện tử trên Cổng Dịch vụ công',
	in_person: 'Nhận trực tiếp tại Bộ phận Một cửa',
	post: 'Nhận qua dịch vụ bưu chính công ích'
};

export const TIME_UNITS: Readonly<Record<string, string>> = {
	working_days: 'ngày làm việc',
	working_hours: 'giờ làm việc',
	calendar_days: 'ngày'
};

export const ATTACHMENT_ROLES: Readonly<Record<string, string>> = {
	component: 'Thành phần hồ sơ',
	supplement: 'Hồ sơ bổ sung',
	result: 'Kết quả',
	receipt: 'Biên lai điện tử'
};

/** Remove Vietnamese diacritics and lower-case, for matching "dang ky" with "Đăng ký". */
export function fold(s: string): string {
	return s
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.replace(/đ/g, 'd')
		.replace(/Đ/g, 'D')
		.toLowerCase()
		.replace(/\s+/g, ' ')
		.trim();
}

/** Every word of the query occurs in the text, ignoring diacritics and case. */
export function matches(text: string, query: string): boolean {
	const t = fold(text);
	return fold(query)
		.split(' ')
		.filter(Boolean)
		.every((w) => t.includes(w));
}

export function formatSize(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
	return `${(bytes / 1024 / 1024).toFixed(1).replace('.', ',')} MB`;
}

/** dd/mm/yyyy hh:mm in Vietnam time. */
export function formatDateTime(iso: string): string {
	const d = new Date(iso);
	const vn = new Date(d.getTime() + 7 * 3600 * 1000);
	const hh = String(vn.getUTCHours()).padStart(2, '0');
	const mi = String(vn.getUTCMinutes()).padStart(2, '0');
	return `${hh}:${mi} ${formatDate(d)}`;
}
