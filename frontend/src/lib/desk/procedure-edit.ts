/**
 * Editing a procedure of the catalogue (e-form schema and workflow included) as the agency
 * administrator sees it. The document is sent back exactly as `GET /api/v1/procedures/{code}` gave
 * it, changed only where edited. Pure: unit-tested in procedure-edit.test.ts.
 */
import type { Choice, FormField } from '../citizen/eform';
import type { Procedure } from '../citizen/procedure';

export const FIELD_TYPES: Readonly<Record<string, string>> = {
	text: 'Chữ, một dòng',
	textarea: 'Chữ, nhiều dòng',
	number: 'Số',
	date: 'Ngày',
	email: 'Thư điện tử',
	phone: 'Số điện thoại',
	personal_id: 'Số định danh cá nhân',
	tax_code: 'Mã số thuế',
	select: 'Chọn trong danh sách',
	checkbox: 'Ô đánh dấu',
	address: 'Địa chỉ'
};

export const PREFILL_SOURCES: Readonly<Record<string, string>> = {
	'identity.full_name': 'Họ tên (tài khoản định danh)',
	'identity.birth_date': 'Ngày sinh (tài khoản định danh)',
	'identity.personal_id': 'Số định danh (tài khoản định danh)',
	'identity.email': 'Thư điện tử (tài khoản định danh)',
	'identity.phone': 'Số điện thoại (tài khoản định danh)',
	'population.full_name': 'Họ tên (CSDL dân cư)',
	'population.birth_date': 'Ngày sinh (CSDL dân cư)',
	'population.sex': 'Giới tính (CSDL dân cư)',
	'population.permanent_address': 'Nơi thường trú (CSDL dân cư)',
	'population.current_address': 'Nơi ở hiện tại (CSDL dân cư)',
	'population.hometown': 'Quê quán (CSDL dân cư)',
	'population.ethnicity': 'Dân tộc (CSDL dân cư)',
	'population.nationality': 'Quốc tịch (CSDL dân cư)'
};

export const STEP_UNITS: Readonly<Record<string, string>> = {
	one_stop: 'Bộ phận Một cửa',
	specialist: 'Đơn vị chuyên môn',
	leadership: 'Lãnh đạo'
};

export const STEP_ROLES: Readonly<Record<string, string>> = {
	clerk: 'Cán bộ tiếp nhận',
	officer: 'Chuyên viên xử lý',
	leader: 'Lãnh đạo phê duyệt'
};

export const ONLINE_LEVELS: Readonly<Record<string, string>> = {
	full: 'Trực tuyến toàn trình',
	partial: 'Trực tuyến một phần',
	none: 'Không trực tuyến'
};

export const DELIVERIES: Readonly<Record<string, string>> = {
	online: 'Trực tuyến',
	in_person: 'Trực tiếp tại Bộ phận Một cửa',
	post: 'Bưu chính công ích'
};

/** Select options as lines `value | label` (what an administrator edits). */
export function optionsToText(options: Choice[]): string {
	return options.map((o) => (o.value === o.label ? o.value : `${o.value} | ${o.label}`)).join('\n');
}

/** Lines `value | label` (or just `label`, when value and label are the same) → options. */
export function textToOptions(text: string): Choice[] {
	return text
		.split('\n')
		.map((l) => l.trim())
		.filter(Boolean)
		.map((l) => {
			const i = l.indexOf('|');
			if (i < 0) return { value: l, label: l };
			return { value: l.slice(0, i).trim(), label: l.slice(i + 1).trim() };
		});
}

/** Working hours the procedure's statutory time stands for (a working day is 8 hours; calendar days count as working days). */
export function statutoryHours(p: Pick<Procedure, 'statutory_time'>): number {
	const v = Number(p.statutory_time.value) || 0;
	return p.statutory_time.unit === 'working_hours' ? v : v * 8;
}

export function workflowHours(p: Pick<Procedure, 'workflow'>): number {
	return (p.workflow ?? []).reduce((s, st) => s + (Number(st.hours) || 0), 0);
}

/** A field's type change keeps what still applies (options only for a select). */
export function withType(f: FormField, type: string): FormField {
	const kind = type === 'select' ? { type: 'select' as const, options: f.kind.type === 'select' ? f.kind.options : [] } : { type };
	return { ...f, kind: kind as FormField['kind'] };
}

export function newField(n: number): FormField {
	return { key: `truong_${n}`, label: '', kind: { type: 'text' }, required: false };
}

export function newStep(): NonNullable<Procedure['workflow']>[number] {
	return { name: '', unit: 'specialist', role: 'officer', hours: 8 };
}

/** Moves item `i` by `delta` within a list (unchanged when out of range). */
export function moved<T>(list: readonly T[], i: number, delta: number): T[] {
	const j = i + delta;
	if (i < 0 || j < 0 || i >= list.length || j >= list.length) return [...list];
	const out = [...list];
	[out[i], out[j]] = [out[j] as T, out[i] as T];
	return out;
}

const LIST_NAMES: Record<string, string> = {
	fees: 'Phí, lệ phí',
	components: 'Thành phần hồ sơ',
	results: 'Kết quả',
	workflow: 'Bước quy trình',
	fields: 'Trường tờ khai',
	result_delivery: 'Cách trả kết quả',
	legal_basis: 'Căn cứ pháp lý',
	options: 'Lựa chọn'
};
/** A list named as a whole (`body.workflow`: the sum of its hours, its first step, ...). */
const SECTION_NAMES: Record<string, string> = {
	fees: 'Phí, lệ phí',
	components: 'Thành phần hồ sơ',
	results: 'Kết quả',
	workflow: 'Quy trình nội bộ',
	fields: 'Các trường tờ khai',
	result_delivery: 'Cách trả kết quả',
	legal_basis: 'Căn cứ pháp lý',
	options: 'Các lựa chọn'
};
const PART_NAMES: Record<string, string> = {
	name: 'tên',
	code: 'mã',
	key: 'mã trường',
	label: 'nhãn',
	kind: 'kiểu',
	hours: 'số giờ',
	unit: 'đơn vị',
	role: 'vai trò',
	agency: 'cơ quan',
	amount_vnd: 'số tiền',
	payable: 'thời điểm nộp',
	statutory_time: 'Thời hạn giải quyết',
	value: 'giá trị',
	online_level: 'Mức độ trực tuyến',
	on_supplement: 'Khi bổ sung hồ sơ',
	prefill: 'nguồn điền sẵn',
	editable_when_prefilled: 'cho sửa khi điền sẵn',
	required: 'bắt buộc',
	rules: 'quy tắc',
	template: 'mẫu',
	originals: 'số bản chính',
	certified_copies: 'số bản sao',
	photocopies: 'số bản chụp',
	form: 'Tờ khai'
};

/** `body.workflow[2].hours` → "Bước quy trình 3, số giờ"; `body.form.fields[0].key` → "Tờ khai, Trường tờ khai 1, mã trường". */
export function pathLabel(path: string): string {
	const parts = path
		.replace(/^body\.?/, '')
		.replace(/\[(\d+)\]/g, '.#$1')
		.split('.')
		.filter(Boolean);
	const out: string[] = [];
	for (let i = 0; i < parts.length; i++) {
		const p = parts[i]!;
		const next = parts[i + 1];
		if (next?.startsWith('#') && LIST_NAMES[p]) {
			out.push(`${LIST_NAMES[p]} ${Number(next.slice(1)) + 1}`);
			i++;
		} else if (p.startsWith('#')) out.push(String(Number(p.slice(1)) + 1));
		else out.push(SECTION_NAMES[p] ?? PART_NAMES[p] ?? p);
	}
	return out.join(', ');
}
