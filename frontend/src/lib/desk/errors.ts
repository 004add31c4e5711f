/**
 * API errors on the desk: Vietnamese messages keyed by `code`, field-level details placed next to the
 * inputs they concern (by element id) and summarised at the top. Pure: unit-tested in errors.test.ts.
 */
import { isApiErrorBody, messageForError, type ApiErrorDetail } from '../errors';
import { fieldErrorMessage, fieldIdFor } from '../citizen/eform';

export const CONFLICT_MESSAGE = 'Người khác vừa xử lý hồ sơ này; vui lòng tải lại.';

export interface Problem {
	/** The element the message belongs to (an input's id), or null for the summary only. */
	id: string | null;
	message: string;
}

/** Field error codes the desk's endpoints use beyond the citizen form's. */
const DESK_FIELD_MESSAGES: Record<string, string> = {
	stale: CONFLICT_MESSAGE,
	no_next_step: 'Quy trình không còn bước xử lý tiếp theo',
	use_submit_for_approval: 'Bước tiếp theo là lãnh đạo phê duyệt: hãy dùng "Trình phê duyệt"',
	next_step_not_approval: 'Bước tiếp theo không phải bước lãnh đạo phê duyệt: hãy dùng "Chuyển xử lý"',
	no_previous_step: 'Hồ sơ đang ở bước xử lý đầu tiên, không trả lại được',
	not_later: 'Ngày hẹn mới phải sau ngày hẹn hiện tại',
	not_in_unit: 'Người được giao không thuộc đơn vị xử lý bước tiếp theo',
	mismatch: 'Kết quả tra cứu không khớp số định danh này: hãy tra cứu lại',
	not_in_agency: 'Đơn vị không thuộc cơ quan này',
	invalid_date: 'Ngày không hợp lệ (dd/mm/yyyy)',
	reason_required: 'Vui lòng nêu lý do',
	new_date_required: 'Vui lòng chọn ngày hẹn mới',
	apology_limit: 'Hồ sơ đã được hẹn lại một lần; không hẹn lại được nữa',
	not_online: 'Thủ tục này không nộp trực tuyến được',
	invalid_multipart: 'Tệp gửi lên không đọc được',
	reused: 'Yêu cầu trùng với một yêu cầu trước; vui lòng thử lại',
	sum_mismatch: 'Tổng thời gian các bước phải bằng thời hạn giải quyết',
	invalid_json: 'Nội dung JSON không hợp lệ',
	// The catalogue's checks (procedure editor).
	workflow_too_short: 'Quy trình cần ít nhất 2 bước (tiếp nhận và trả kết quả)',
	workflow_first_step: 'Bước đầu tiên là tiếp nhận: đơn vị Bộ phận Một cửa, vai trò cán bộ tiếp nhận',
	workflow_last_step: 'Bước cuối cùng là trả kết quả: đơn vị Bộ phận Một cửa, vai trò cán bộ tiếp nhận',
	step_without_time: 'Mỗi bước (trừ bước trả kết quả) cần ít nhất 1 giờ làm việc',
	workflow_time_mismatch: 'Tổng số giờ của các bước phải bằng thời hạn giải quyết',
	full_online_without_online_delivery: 'Thủ tục trực tuyến toàn trình phải trả được kết quả trực tuyến',
	full_online_counter_component: 'Thủ tục trực tuyến toàn trình không cho mang giấy tờ đến quầy',
	duplicate_code: 'Mã bị trùng',
	no_copies: 'Cần ít nhất một bản (bản chính, bản sao hoặc bản chụp)',
	invalid_code: 'Mã không hợp lệ',
	invalid_agency_code: 'Mã cơ quan không hợp lệ',
	invalid_file_name: 'Tên tệp không hợp lệ',
	not_normalised: 'Có khoảng trắng thừa ở đầu hoặc cuối',
	invalid_key: 'Mã trường chỉ gồm chữ thường không dấu, số và dấu gạch dưới, bắt đầu bằng chữ',
	duplicate_key: 'Mã trường bị trùng',
	no_options: 'Danh sách chọn cần ít nhất một lựa chọn',
	duplicate_option: 'Lựa chọn bị trùng',
	prefill_incompatible: 'Nguồn điền sẵn không phù hợp với kiểu trường',
	locked_without_prefill: 'Trường không cho sửa thì phải có nguồn điền sẵn',
	rule_not_applicable: 'Quy tắc này không áp dụng cho kiểu trường đã chọn',
	invalid_range: 'Khoảng giá trị không hợp lệ',
	invalid_type: 'Kiểu giá trị không đúng',
	unknown_field: 'Trường không có trong tờ khai',
	date_too_early: 'Ngày sớm hơn cho phép',
	date_too_late: 'Ngày muộn hơn cho phép',
	invalid_number: 'Số không hợp lệ',
	// Administration.
	not_a_weekend: 'Chỉ thứ Bảy hoặc Chủ nhật mới đặt làm ngày làm việc bù được',
	invalid_time: 'Giờ theo dạng hh:mm (ví dụ 07:30)',
	inconsistent_hours: 'Giờ làm việc không hợp lệ: buổi sáng phải kết thúc trước buổi chiều, giờ bắt đầu trước giờ kết thúc',
	immutable: 'Không được thay đổi giá trị này',
	own_admin_role: 'Bạn không thể tự bỏ quyền quản trị của mình',
	before_from: 'Ngày kết thúc không được trước ngày bắt đầu',
	range_too_long: 'Khoảng thời gian tối đa 3 năm',
	not_allowed_role: 'Bạn không được cấp vai trò này'
};

export function detailMessage(code: string): string {
	return DESK_FIELD_MESSAGES[code] ?? fieldErrorMessage(code);
}

/** The top-level message for an error body: conflicts get the desk's own wording. */
export function deskMessage(error: unknown): string {
	if (isApiErrorBody(error) && error.code === 'conflict') {
		const stale = error.details?.some((d) => d.field === 'body.expected_version');
		if (stale || !error.details?.length) return CONFLICT_MESSAGE;
	}
	return messageForError(error);
}

export function isConflict(error: unknown): boolean {
	return (
		isApiErrorBody(error) &&
		error.code === 'conflict' &&
		(error.details ?? []).every((d) => d.field === 'body.expected_version')
	);
}

export function details(error: unknown): ApiErrorDetail[] {
	return isApiErrorBody(error) ? (error.details ?? []) : [];
}

/**
 * Counter reception: `body.applicant.full_name` → `a-full_name`, `body.form.x` → `f-x`,
 * `body.attachments.TP01` / `body.attachments[i]…` → `c-TP01`, `body.procedure_code` → `proc-q`.
 */
export function counterFieldId(path: string, attachmentCodes: string[]): string | null {
	let m = /^body\.applicant\.([a-z_]+)/.exec(path);
	if (m) return `a-${m[1]}`;
	if (path === 'body.population_lookup_id') return 'a-personal_id';
	if (path.startsWith('body.procedure_code')) return 'proc-q';
	m = /^body\.owner\.([a-z_]+)/.exec(path);
	if (m) return `o-${m[1]}`;
	return fieldIdFor(path, attachmentCodes);
}

/** Action forms: `body.reason` → `act-reason`, `body.items[2]` → `act-items`, … */
export function actionFieldId(path: string): string | null {
	const m = /^body\.([a-z_]+)/.exec(path);
	if (!m) return null;
	const ids: Record<string, string> = {
		reason: 'act-reason',
		items: 'act-items',
		new_due_at: 'act-new-day',
		assignee_id: 'act-assignee',
		payment_method: 'act-method-cash',
		attachments: 'act-files',
		delivery: 'act-delivery-in_person',
		note: 'act-note'
	};
	return ids[m[1]!] ?? null;
}

/**
 * The procedure editor: `body.workflow[2].hours` → `p-workflow-2-hours`, then every shorter
 * prefix (`p-workflow-2`, `p-workflow`), so the page can pick the closest element that exists.
 */
export function procedureFieldCandidates(path: string): string[] {
	const rest = path.replace(/^body\.?/, '');
	if (!rest) return [];
	const parts = rest.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean);
	const out: string[] = [];
	for (let n = parts.length; n > 0; n--) out.push(`p-${parts.slice(0, n).join('-')}`);
	return out;
}

/**
 * An error answer → problems: each detail with its element id (from `idFor`) and a message naming the
 * field (`labelFor`), or one summary line with the top-level message when there are no details.
 */
export function problemsFrom(
	error: unknown,
	idFor: (path: string) => string | null,
	labelFor: (id: string | null, path: string) => string | undefined = () => undefined
): Problem[] {
	// Field details explain a refused request body; a missing session, a refusal or a conflict is said once.
	const fieldCodes = ['validation_failed', 'bad_request', 'invalid_json', 'payload_too_large', 'unsupported_media_type'];
	if (isApiErrorBody(error) && !fieldCodes.includes(error.code)) return [{ id: null, message: deskMessage(error) }];
	const list = details(error).map((d) => {
		const id = idFor(d.field);
		const label = labelFor(id, d.field);
		const msg = detailMessage(d.code);
		return { id, message: label ? `${label}: ${msg}` : msg };
	});
	if (!list.length) list.push({ id: null, message: deskMessage(error) });
	return list;
}

/** Problems → the message shown beside each input (the first per id). */
export function byId(problems: Problem[]): Record<string, string> {
	const out: Record<string, string> = {};
	for (const p of problems) if (p.id && !out[p.id]) out[p.id] = p.message;
	return out;
}
