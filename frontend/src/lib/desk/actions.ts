/**
 * What the clerk typed for one action → the `POST /api/v1/dossiers/{id}/actions` body, with the checks
 * the page can make before sending (the server checks everything again). Pure: unit-tested in actions.test.ts.
 */
import { ACTION_NEEDS, type ActionName } from './words';
import type { Problem } from './errors';
import { vnInstant } from './time';

/** The inputs of an action form; kept by the page across reloads (a conflict never loses them). */
export interface ActionDraft {
	note: string;
	reason: string;
	/** Request supplement: one item per line. */
	items: string;
	newDay: string;
	newTime: string;
	assignee: string;
	paymentMethod: 'cash' | 'transfer';
	delivery: 'in_person' | 'post';
	/** Approve / issue result: upload the result, or have the server generate it from the template. */
	resultMode: 'upload' | 'generate';
	resultCode: string;
	/** Uploaded files for the action: result documents or supplement components. */
	files: { upload_id: string; file_name: string; component_code: string }[];
}

export function emptyDraft(): ActionDraft {
	return {
		note: '',
		reason: '',
		items: '',
		newDay: '',
		newTime: '17:00',
		assignee: '',
		paymentMethod: 'cash',
		delivery: 'in_person',
		resultMode: 'upload',
		resultCode: '',
		files: []
	};
}

/** The supplement items: one per non-empty line, trimmed. */
export function itemLines(text: string): string[] {
	return text
		.split('\n')
		.map((s) => s.trim())
		.filter(Boolean);
}

/** Checks before sending; an empty list means the body can be sent. */
export function checkDraft(action: ActionName, d: ActionDraft): Problem[] {
	const needs = ACTION_NEEDS[action];
	const out: Problem[] = [];
	if (needs.reason === 'required' && !d.reason.trim()) out.push({ id: 'act-reason', message: 'Vui lòng nêu lý do' });
	if (needs.items) {
		const items = itemLines(d.items);
		if (!items.length) out.push({ id: 'act-items', message: 'Vui lòng liệt kê các giấy tờ cần bổ sung, mỗi dòng một giấy tờ' });
		const dup = items.find((it, i) => items.indexOf(it) !== i);
		if (dup) out.push({ id: 'act-items', message: `Giấy tờ "${dup}" được liệt kê hai lần` });
	}
	if (needs.newDate && !vnInstant(d.newDay, d.newTime))
		out.push({ id: 'act-new-day', message: 'Vui lòng chọn ngày và giờ hẹn trả kết quả mới' });
	if (needs.files === 'result' && d.resultMode === 'upload' && !d.files.length)
		out.push({ id: 'act-files', message: 'Vui lòng tải lên văn bản kết quả, hoặc chọn tạo từ mẫu' });
	if (needs.files === 'supplement' && d.files.some((f) => !f.component_code))
		out.push({ id: 'act-files', message: 'Vui lòng chọn thành phần hồ sơ cho từng tệp bổ sung' });
	return out;
}

/** The request body for `action` on a dossier at `version`. */
export function actionBody(action: ActionName, d: ActionDraft, version: number): Record<string, unknown> {
	const needs = ACTION_NEEDS[action];
	const body: Record<string, unknown> = { action, expected_version: version };
	if (d.note.trim()) body.note = d.note.trim();
	if (needs.reason !== 'none' && d.reason.trim()) body.reason = d.reason.trim();
	if (needs.items) body.items = itemLines(d.items);
	if (needs.newDate) body.new_due_at = vnInstant(d.newDay, d.newTime);
	if (needs.assignee && d.assignee) body.assignee_id = d.assignee;
	if (needs.paymentMethod) body.payment_method = d.paymentMethod;
	if (needs.delivery) body.delivery = d.delivery;
	if (needs.files === 'result') {
		if (d.resultMode === 'generate') body.generate_result = true;
		else body.attachments = d.files.map((f) => ({ upload_id: f.upload_id, component_code: d.resultCode || f.component_code }));
	}
	if (needs.files === 'supplement' && d.files.length)
		body.attachments = d.files.map((f) => ({ upload_id: f.upload_id, component_code: f.component_code }));
	return body;
}
