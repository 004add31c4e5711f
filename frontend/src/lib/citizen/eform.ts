/**
 * The e-form of a procedure (backend/src/domain/eform.rs) on the citizen's side:
 * initial values, prefill, answers to send, client-side checks, and mapping
 * the API's field errors (`body.form.ho_ten`, `body.attachments[0]...`) to the
 * inputs on the page. Pure functions: unit-tested in eform.test.ts.
 */

export interface Choice {
	value: string;
	label: string;
}

export type FieldKind =
	| { type: 'text' | 'textarea' | 'number' | 'date' | 'email' | 'phone' | 'personal_id' | 'tax_code' | 'checkbox' | 'address' }
	| { type: 'select'; options: Choice[] };

export interface FormField {
	key: string;
	label: string;
	kind: FieldKind;
	required?: boolean;
	help?: string;
	prefill?: string;
	editable_when_prefilled?: boolean;
	rules?: { min_length?: number; max_length?: number; digits_only?: boolean; min?: number; max?: number; min_date?: string; max_date?: string };
}

export interface Address {
	province_code: string;
	commune_code: string;
	detail: string;
}

/** What an input holds: strings for everything but checkboxes and addresses. */
export type FieldValue = string | boolean | Address;
export type FormValues = Record<string, FieldValue>;

export interface PrefilledValue {
	key: string;
	value: unknown;
	source: string;
	editable: boolean;
}

export interface PrefillInfo {
	source: 'identity' | 'population';
	editable: boolean;
}

export function emptyValue(f: FormField): FieldValue {
	if (f.kind.type === 'checkbox') return false;
	if (f.kind.type === 'address') return { province_code: '', commune_code: '', detail: '' };
	return '';
}

/** A value from the API (prefill, a saved draft) → what the input holds. */
export function toInput(f: FormField, v: unknown): FieldValue {
	if (v === null || v === undefined) return emptyValue(f);
	if (f.kind.type === 'checkbox') return v === true;
	if (f.kind.type === 'address') {
		const a = (typeof v === 'object' ? v : {}) as Partial<Address>;
		return {
			province_code: String(a.province_code ?? ''),
			commune_code: String(a.commune_code ?? ''),
			detail: String(a.detail ?? '')
		};
	}
	return typeof v === 'string' ? v : String(v);
}

export function initialValues(fields: FormField[]): FormValues {
	const out: FormValues = {};
	for (const f of fields) out[f.key] = emptyValue(f);
	return out;
}

/** Apply the prefill answer; returns the values and which keys were prefilled (and whether editable). */
export function applyPrefill(
	fields: FormField[],
	values: FormValues,
	prefilled: PrefilledValue[]
): { values: FormValues; info: Record<string, PrefillInfo> } {
	const next: FormValues = { ...values };
	const info: Record<string, PrefillInfo> = {};
	for (const p of prefilled) {
		const f = fields.find((x) => x.key === p.key);
		if (!f) continue;
		next[p.key] = toInput(f, p.value);
		info[p.key] = { source: p.source === 'population' ? 'population' : 'identity', editable: p.editable };
	}
	return { values: next, info };
}

/** The answers to send as `form`: empty optional fields are left out, numbers are numbers. */
export function answers(fields: FormField[], values: FormValues): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const f of fields) {
		const v = values[f.key];
		if (v === undefined) continue;
		switch (f.kind.type) {
			case 'checkbox':
				if (v === true || f.required) out[f.key] = v === true;
				break;
			case 'address': {
				const a = v as Address;
				if (a.province_code || a.commune_code || a.detail.trim())
					out[f.key] = { province_code: a.province_code.trim(), commune_code: a.commune_code.trim(), detail: a.detail.trim() };
				break;
			}
			case 'number': {
				const s = String(v).trim().replace(',', '.');
				if (s !== '') out[f.key] = Number.isFinite(Number(s)) ? Number(s) : s;
				break;
			}
			default: {
				const s = String(v).trim();
				if (s !== '') out[f.key] = s;
			}
		}
	}
	return out;
}

/** Client-side checks before sending (the server checks everything again). Key → message. */
export function checkAnswers(fields: FormField[], values: FormValues): Record<string, string> {
	const errs: Record<string, string> = {};
	for (const f of fields) {
		const v = values[f.key];
		const t = f.kind.type;
		if (t === 'checkbox') {
			if (f.required && v !== true) errs[f.key] = `Vui lòng đánh dấu ô "${f.label}"`;
			continue;
		}
		if (t === 'address') {
			const a = v as Address;
			if (f.required && (!a || !a.detail.trim())) errs[f.key] = `Vui lòng nhập ${f.label.toLowerCase()}`;
			continue;
		}
		const s = String(v ?? '').trim();
		if (!s) {
			if (f.required) errs[f.key] = `Vui lòng ${t === 'select' ? 'chọn' : 'nhập'} ${f.label.toLowerCase()}`;
			continue;
		}
		if (t === 'personal_id' && !/^\d{12}$/.test(s)) errs[f.key] = 'Số định danh cá nhân gồm 12 chữ số';
		else if (t === 'phone' && !/^(\+84|0)\d{9}$/.test(s.replace(/[\s.]/g, '')))
			errs[f.key] = 'Số điện thoại không hợp lệ (ví dụ 0912345678)';
		else if (t === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s)) errs[f.key] = 'Địa chỉ thư điện tử không hợp lệ';
		else if (t === 'number' && !Number.isFinite(Number(s.replace(',', '.')))) errs[f.key] = 'Vui lòng nhập một số';
		else if (t === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(s)) errs[f.key] = 'Ngày không hợp lệ';
		else if (f.rules?.max_length && [...s].length > f.rules.max_length)
			errs[f.key] = `Tối đa ${f.rules.max_length} ký tự`;
		else if (f.rules?.min_length && [...s].length < f.rules.min_length)
			errs[f.key] = `Tối thiểu ${f.rules.min_length} ký tự`;
	}
	return errs;
}

/** Vietnamese message for a field error code of the API. */
export function fieldErrorMessage(code: string): string {
	const m: Record<string, string> = {
		required: 'Thông tin này là bắt buộc',
		missing: 'Thông tin này là bắt buộc',
		invalid: 'Giá trị không hợp lệ',
		invalid_format: 'Giá trị không đúng định dạng',
		invalid_length: 'Độ dài không hợp lệ',
		too_long: 'Nội dung quá dài',
		too_short: 'Nội dung quá ngắn',
		out_of_range: 'Giá trị nằm ngoài khoảng cho phép',
		not_an_option: 'Vui lòng chọn một giá trị trong danh sách',
		unknown: 'Không tìm thấy giá trị này',
		not_allowed: 'Không được phép',
		unsupported_type: 'Loại tệp không được chấp nhận',
		truncated_file: 'Tệp bị hỏng hoặc không đầy đủ',
		dangerous_content: 'Tệp có nội dung không an toàn',
		too_large: 'Tệp quá lớn',
		duplicate: 'Giá trị bị trùng',
		not_competent: 'Cơ quan này không giải quyết thủ tục đã chọn'
	};
	return m[code] ?? 'Giá trị không hợp lệ';
}

/**
 * The API's error path → the id of the input on the page:
 * `body.form.ho_ten` → `f-ho_ten`, `body.form.noi_cu_tru.detail` → `f-noi_cu_tru`,
 * `body.owner.full_name` → `o-full_name`, `body.attachments.TP01` or
 * `body.attachments[0]…` (with the list sent) → `c-TP01`, `body.agency_id` → `agency`.
 */
export function fieldIdFor(path: string, attachmentCodes: string[] = []): string | null {
	let m = /^body\.form\.([a-z][a-z0-9_]*)/.exec(path);
	if (m) return `f-${m[1]}`;
	m = /^body\.owner\.([a-z_]+)/.exec(path);
	if (m) return `o-${m[1]}`;
	m = /^body\.attachments\.([A-Za-z0-9_.-]+)/.exec(path);
	if (m) return `c-${m[1]}`;
	m = /^body\.attachments\[(\d+)\]/.exec(path);
	if (m) {
		const code = attachmentCodes[Number(m[1])];
		return code ? `c-${code}` : null;
	}
	m = /^body\.bring_to_counter(?:\[\d+\])?/.exec(path);
	if (m) return null;
	if (path === 'body.agency_id') return 'agency';
	if (path === 'body.phone') return 'contact-phone';
	if (path === 'body.email') return 'contact-email';
	return null;
}

export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** File types the backend accepts (backend/src/domain/filetype.rs), by extension. */
export const ACCEPTED_EXTENSIONS = ['pdf', 'jpg', 'jpeg', 'png', 'tif', 'tiff', 'webp', 'docx', 'xlsx', 'odt', 'ods'];
export const ACCEPT_ATTR = ACCEPTED_EXTENSIONS.map((e) => `.${e}`).join(',');

/** Check a chosen file before sending it; a Vietnamese message, or null when fine. */
export function checkFile(name: string, size: number): string | null {
	const ext = name.toLowerCase().split('.').pop() ?? '';
	if (!name.includes('.') || !ACCEPTED_EXTENSIONS.includes(ext))
		return 'Chỉ chấp nhận tệp PDF, ảnh (JPEG, PNG, TIFF, WebP) hoặc văn bản (DOCX, XLSX, ODT, ODS)';
	if (size === 0) return 'Tệp rỗng';
	if (size > MAX_UPLOAD_BYTES) return 'Tệp vượt quá dung lượng cho phép (20 MB)';
	return null;
}
