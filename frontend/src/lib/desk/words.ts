/**
 * The desk's vocabulary: the API's internal codes in the words staff use at the one-stop desk.
 * Pure data and functions: unit-tested in words.test.ts.
 */

export type QueueName =
	| 'to_receive'
	| 'at_my_units'
	| 'awaiting_my_approval'
	| 'assigned_to_me'
	| 'due_soon'
	| 'overdue'
	| 'awaiting_supplement'
	| 'to_return';

/** Every queue, in the order the desk shows them. */
export const QUEUES: readonly QueueName[] = [
	'to_receive',
	'assigned_to_me',
	'awaiting_my_approval',
	'at_my_units',
	'due_soon',
	'overdue',
	'awaiting_supplement',
	'to_return'
];

export const QUEUE_LABELS: Readonly<Record<QueueName, string>> = {
	to_receive: 'Hồ sơ mới chờ tiếp nhận',
	at_my_units: 'Hồ sơ tại đơn vị',
	awaiting_my_approval: 'Chờ tôi phê duyệt',
	assigned_to_me: 'Được giao cho tôi',
	due_soon: 'Sắp đến hạn',
	overdue: 'Quá hạn',
	awaiting_supplement: 'Chờ bổ sung',
	to_return: 'Chờ trả kết quả'
};

/** Which queues matter to each lifecycle role. */
const QUEUES_BY_ROLE: Readonly<Record<string, readonly QueueName[]>> = {
	clerk: ['to_receive', 'at_my_units', 'due_soon', 'overdue', 'awaiting_supplement', 'to_return'],
	officer: ['assigned_to_me', 'at_my_units', 'due_soon', 'overdue', 'awaiting_supplement'],
	leader: ['awaiting_my_approval', 'at_my_units', 'due_soon', 'overdue']
};

/** The queues for someone holding these roles, in the desk's order (none for administrators only). */
export function queuesFor(roles: readonly string[]): QueueName[] {
	const wanted = new Set(roles.flatMap((r) => QUEUES_BY_ROLE[r] ?? []));
	return QUEUES.filter((q) => wanted.has(q));
}

/** The queue to open first for these roles. */
export function defaultQueue(roles: readonly string[]): QueueName | null {
	const qs = queuesFor(roles);
	return qs[0] ?? null;
}

export function isQueue(s: string | null | undefined): s is QueueName {
	return !!s && (QUEUES as readonly string[]).includes(s);
}

export const STATE_LABELS: Readonly<Record<string, string>> = {
	submitted: 'Mới đăng ký, chờ tiếp nhận',
	received: 'Đã tiếp nhận',
	in_processing: 'Đang xử lý',
	awaiting_approval: 'Chờ phê duyệt',
	supplement_requested: 'Chờ bổ sung',
	payment_requested: 'Chờ nộp phí, lệ phí',
	result_ready: 'Đã có kết quả, chờ trả',
	returned: 'Đã trả kết quả',
	refused: 'Không được tiếp nhận',
	withdrawn: 'Đã rút hồ sơ',
	stopped: 'Dừng giải quyết'
};

export function stateLabel(state: string): string {
	return STATE_LABELS[state] ?? state;
}

/** Every lifecycle action a member of staff may take, in the order the desk offers them. */
export const ACTIONS = [
	'accept',
	'receive_supplement',
	'hand_over',
	'submit_for_approval',
	'approve',
	'issue_result',
	'return_result',
	'request_supplement',
	'request_payment',
	'record_payment',
	'send_back',
	'apologise',
	'refuse',
	'stop',
	'withdraw'
] as const;
export type ActionName = (typeof ACTIONS)[number];

export const ACTION_LABELS: Readonly<Record<ActionName, string>> = {
	accept: 'Tiếp nhận hồ sơ',
	receive_supplement: 'Nhận hồ sơ bổ sung',
	hand_over: 'Chuyển xử lý',
	submit_for_approval: 'Trình phê duyệt',
	approve: 'Phê duyệt',
	issue_result: 'Ban hành kết quả',
	return_result: 'Trả kết quả',
	request_supplement: 'Yêu cầu bổ sung',
	request_payment: 'Đề nghị nộp phí, lệ phí',
	record_payment: 'Ghi nhận đã nộp phí',
	send_back: 'Trả lại bước trước',
	apologise: 'Xin lỗi, hẹn lại ngày trả',
	refuse: 'Từ chối tiếp nhận',
	stop: 'Dừng giải quyết',
	withdraw: 'Rút hồ sơ theo đề nghị'
};

/** Actions that end or reverse the dossier's course: shown apart, in the danger style. */
export const DANGEROUS: ReadonlySet<string> = new Set(['refuse', 'stop', 'withdraw', 'send_back']);

/** The allowed actions the desk knows, in its order. */
export function orderedActions(allowed: readonly string[]): ActionName[] {
	const set = new Set(allowed);
	return ACTIONS.filter((a) => set.has(a));
}

/** What each action asks for, so the form shows exactly those inputs. */
export interface ActionNeeds {
	reason: 'required' | 'optional' | 'none';
	items?: boolean;
	newDate?: boolean;
	assignee?: boolean;
	paymentMethod?: boolean;
	delivery?: boolean;
	files?: 'result' | 'supplement';
}

export const ACTION_NEEDS: Readonly<Record<ActionName, ActionNeeds>> = {
	accept: { reason: 'none' },
	receive_supplement: { reason: 'none', files: 'supplement' },
	hand_over: { reason: 'none', assignee: true },
	submit_for_approval: { reason: 'none', assignee: true },
	approve: { reason: 'none', files: 'result' },
	issue_result: { reason: 'none', files: 'result' },
	return_result: { reason: 'none', delivery: true },
	request_supplement: { reason: 'required', items: true },
	request_payment: { reason: 'none' },
	record_payment: { reason: 'none', paymentMethod: true },
	send_back: { reason: 'required' },
	apologise: { reason: 'required', newDate: true },
	refuse: { reason: 'required' },
	stop: { reason: 'required' },
	withdraw: { reason: 'optional' }
};

/** What a history entry's action was, for staff (past tense). */
export const HISTORY_LABELS: Readonly<Record<string, string>> = {
	submit: 'Nộp hồ sơ trực tuyến',
	receive_from_portal: 'Nhận hồ sơ từ Cổng Dịch vụ công quốc gia',
	receive_at_counter: 'Tiếp nhận trực tiếp tại Bộ phận Một cửa',
	accept: 'Tiếp nhận hồ sơ',
	request_supplement: 'Yêu cầu bổ sung hồ sơ',
	receive_supplement: 'Nhận hồ sơ bổ sung',
	refuse: 'Từ chối tiếp nhận',
	hand_over: 'Chuyển xử lý',
	send_back: 'Trả lại bước trước',
	submit_for_approval: 'Trình phê duyệt',
	approve: 'Phê duyệt',
	request_payment: 'Đề nghị nộp phí, lệ phí',
	record_payment: 'Ghi nhận nộp phí, lệ phí',
	issue_result: 'Ban hành kết quả',
	return_result: 'Trả kết quả',
	withdraw: 'Rút hồ sơ',
	stop: 'Dừng giải quyết',
	apologise: 'Xin lỗi và hẹn lại ngày trả kết quả'
};

export function historyLabel(action: string): string {
	return HISTORY_LABELS[action] ?? 'Cập nhật hồ sơ';
}

export const ROLE_LABELS: Readonly<Record<string, string>> = {
	clerk: 'Cán bộ tiếp nhận',
	officer: 'Chuyên viên xử lý',
	leader: 'Lãnh đạo',
	agency_admin: 'Quản trị cơ quan',
	system_admin: 'Quản trị hệ thống'
};

/** Roles an agency administrator grants (system_admin is granted by a system administrator only). */
export const GRANTABLE_ROLES = ['clerk', 'officer', 'leader', 'agency_admin'] as const;

export const UNIT_KINDS: Readonly<Record<string, string>> = {
	one_stop: 'Bộ phận Một cửa',
	specialist: 'Đơn vị chuyên môn',
	leadership: 'Lãnh đạo',
	other: 'Khác'
};

export const CHANNELS: Readonly<Record<number, string>> = { 1: 'Trực tiếp', 2: 'Trực tuyến', 3: 'Bưu chính' };

export function channelLabel(c: number): string {
	return CHANNELS[c] ?? 'Khác';
}

export const TIMELINESS: Readonly<Record<string, string>> = {
	early: 'Trước hạn',
	on_time: 'Đúng hạn',
	late: 'Quá hạn'
};

export const PAYMENT_STATES: Readonly<Record<string, string>> = {
	none: 'Chưa đề nghị nộp',
	requested: 'Đã đề nghị nộp, chưa nộp',
	paid_online: 'Đã nộp trực tuyến',
	paid_other: 'Đã nộp (tiền mặt hoặc chuyển khoản)'
};

export const PAYMENT_METHODS: Readonly<Record<string, string>> = {
	online: 'Trực tuyến',
	cash: 'Tiền mặt',
	transfer: 'Chuyển khoản'
};

export const DELIVERY: Readonly<Record<string, string>> = {
	in_person: 'Trả trực tiếp tại Bộ phận Một cửa',
	post: 'Gửi qua dịch vụ bưu chính công ích'
};

export const ATTACHMENT_ROLES: Readonly<Record<string, string>> = {
	component: 'Thành phần hồ sơ',
	supplement: 'Hồ sơ bổ sung',
	result: 'Kết quả giải quyết',
	receipt: 'Biên lai điện tử'
};

export const FORM_NAMES: Readonly<Record<string, string>> = {
	'01': 'Giấy tiếp nhận hồ sơ và hẹn trả kết quả',
	'02': 'Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ',
	'03': 'Phiếu từ chối tiếp nhận, giải quyết hồ sơ',
	'04': 'Văn bản xin lỗi và hẹn lại ngày trả kết quả',
	'05': 'Thông báo dừng giải quyết hồ sơ',
	'06': 'Phiếu kiểm soát quá trình giải quyết hồ sơ',
	'07': 'Sổ theo dõi hồ sơ'
};

export const DAY_KINDS: Readonly<Record<string, string>> = {
	day_off: 'Ngày nghỉ',
	working_day: 'Ngày làm việc (làm bù)'
};

export const DAY_SOURCES: Readonly<Record<string, string>> = {
	decree: 'Theo quyết định của Chính phủ',
	computed: 'Tính theo Bộ luật Lao động và âm lịch',
	admin: 'Do quản trị viên sửa'
};

export const OUTBOX_STATUSES: Readonly<Record<string, string>> = {
	dead: 'Bị từ chối, chờ xử lý',
	pending: 'Đang chờ gửi',
	delivered: 'Đã gửi thành công'
};

/** `001090012345` → `001******345` (lists show personal IDs masked). */
export function maskId(id: string | null | undefined): string {
	if (!id) return '';
	if (id.length <= 6) return '*'.repeat(id.length);
	return `${id.slice(0, 3)}${'*'.repeat(id.length - 6)}${id.slice(-3)}`;
}
