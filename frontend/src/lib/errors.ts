/**
 * Stable API error codes (the `code` field of the backend's error body) and
 * the Vietnamese messages shown to people. The backend's `message` is English
 * and meant for logs/developers; never show it to citizens.
 */

import type { components } from './api/schema';

/** The codes the backend's OpenAPI document lists (schema `ErrorCode`). */
export type ErrorCode = components['schemas']['ErrorCode'];

/** One entry of `details` in the backend's error body. */
export interface ApiErrorDetail {
	field: string;
	code: string;
	message: string;
}

/** The backend's JSON error body. */
export interface ApiErrorBody {
	code: string;
	message: string;
	details?: ApiErrorDetail[];
	request_id?: string;
}

export const GENERIC_ERROR_MESSAGE =
	'Đã có lỗi xảy ra. Vui lòng thử lại sau hoặc liên hệ bộ phận hỗ trợ.';

// `satisfies` makes `npm run check` fail when the backend adds a code that has
// no Vietnamese message yet (after `npm run gen:api`).
export const ERROR_MESSAGES: Readonly<Record<string, string>> = Object.freeze({
	bad_request: 'Yêu cầu không hợp lệ. Vui lòng kiểm tra lại thông tin.',
	invalid_json: 'Dữ liệu gửi lên không đúng định dạng. Vui lòng thử lại.',
	validation_failed: 'Một số thông tin chưa hợp lệ. Vui lòng kiểm tra các trường được đánh dấu.',
	unauthenticated: 'Bạn cần đăng nhập để tiếp tục.',
	forbidden: 'Bạn không có quyền thực hiện thao tác này.',
	not_found: 'Không tìm thấy thông tin được yêu cầu.',
	method_not_allowed: 'Thao tác này không được hỗ trợ.',
	conflict: 'Dữ liệu đã bị thay đổi hoặc đã tồn tại. Vui lòng tải lại trang và thử lại.',
	illegal_transition: 'Thao tác này không thực hiện được ở trạng thái hiện tại của hồ sơ.',
	idempotency_key_reused: 'Yêu cầu bị trùng với một yêu cầu khác đã gửi trước đó. Vui lòng tải lại trang.',
	csrf_failed: 'Phiên làm việc không hợp lệ. Vui lòng tải lại trang và thử lại.',
	payload_too_large: 'Dữ liệu hoặc tệp đính kèm vượt quá dung lượng cho phép.',
	unsupported_media_type: 'Định dạng dữ liệu hoặc tệp không được hỗ trợ.',
	rate_limited: 'Bạn thao tác quá nhanh. Vui lòng chờ một lát rồi thử lại.',
	timeout: 'Hệ thống phản hồi quá lâu. Vui lòng thử lại.',
	service_unavailable: 'Hệ thống đang tạm thời gián đoạn. Vui lòng thử lại sau.',
	internal: 'Hệ thống gặp sự cố. Vui lòng thử lại sau.'
} satisfies Record<ErrorCode, string>);

/** Friendly Vietnamese message for an API error code; unknown codes get a generic message. */
export function messageFor(code: string): string {
	return Object.hasOwn(ERROR_MESSAGES, code) ? (ERROR_MESSAGES[code] as string) : GENERIC_ERROR_MESSAGE;
}

/** True if `value` looks like the backend's error body. */
export function isApiErrorBody(value: unknown): value is ApiErrorBody {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as { code?: unknown }).code === 'string' &&
		typeof (value as { message?: unknown }).message === 'string'
	);
}

/** Message to show for whatever an API call returned as its error (body, exception, …). */
export function messageForError(error: unknown): string {
	return isApiErrorBody(error) ? messageFor(error.code) : GENERIC_ERROR_MESSAGE;
}
