import { describe, expect, it } from 'vitest';
import { fold, formatDateTime, formatSize, historySentence, latestSupplementRequest, matches, stateLabel } from './words';

const at = '2026-11-23T03:00:00Z';

describe('historySentence', () => {
	it('says what happened in the citizen’s words', () => {
		expect(historySentence({ action: 'submit', at })).toBe('Bạn đã nộp hồ sơ trực tuyến');
		expect(historySentence({ action: 'accept', at })).toBe('Bộ phận Một cửa đã tiếp nhận hồ sơ');
		expect(historySentence({ action: 'accept', at, due_at: '2026-11-26T10:00:00Z' })).toBe(
			'Bộ phận Một cửa đã tiếp nhận hồ sơ; ngày hẹn trả kết quả: 26/11/2026'
		);
		expect(historySentence({ action: 'request_payment', at })).toBe('Cơ quan đề nghị nộp phí, lệ phí');
		expect(historySentence({ action: 'hand_over', at })).toBe('Hồ sơ được chuyển xử lý');
		expect(historySentence({ action: 'approve', at })).toBe('Đã có kết quả');
		expect(historySentence({ action: 'issue_result', at })).toBe('Đã có kết quả');
	});

	it('lists the items of a supplement request and its reason', () => {
		expect(
			historySentence({
				action: 'request_supplement',
				at,
				reason: 'Thiếu giấy tờ',
				data: { items: ['Bản sao giấy khai sinh', 'Ảnh 4x6'] }
			})
		).toBe('Cơ quan yêu cầu bổ sung hồ sơ: Bản sao giấy khai sinh; Ảnh 4x6. Lý do: Thiếu giấy tờ');
	});

	it('gives refusals and withdrawals their reason, apologies their new date', () => {
		expect(historySentence({ action: 'refuse', at, reason: 'Sai thẩm quyền' })).toBe(
			'Cơ quan từ chối tiếp nhận hồ sơ. Lý do: Sai thẩm quyền'
		);
		expect(historySentence({ action: 'withdraw', at, reason: 'Không còn nhu cầu' })).toBe(
			'Bạn đã rút hồ sơ. Lý do: Không còn nhu cầu'
		);
		expect(
			historySentence({ action: 'apologise', at, reason: 'Cần xác minh', data: { new_due_at: '2026-12-01T09:00:00Z' } })
		).toBe('Cơ quan gửi văn bản xin lỗi và hẹn lại ngày trả kết quả; ngày hẹn mới: 01/12/2026. Lý do: Cần xác minh');
	});

	it('never shows an internal code', () => {
		expect(historySentence({ action: 'some_new_action', at })).toBe('Hồ sơ được cập nhật');
		expect(historySentence({ action: 'receive_supplement', at, actor_kind: 'citizen' })).toBe('Bạn đã bổ sung hồ sơ');
	});
});

describe('latestSupplementRequest', () => {
	it('finds the last request', () => {
		expect(
			latestSupplementRequest([
				{ action: 'request_supplement', at, data: { items: ['A'] }, reason: 'r1' },
				{ action: 'receive_supplement', at },
				{ action: 'request_supplement', at, data: { items: ['B'] }, reason: null }
			])
		).toEqual({ items: ['B'], reason: null });
		expect(latestSupplementRequest([{ action: 'submit', at }])).toBeNull();
	});
});

describe('labels and text', () => {
	it('labels states for citizens', () => {
		expect(stateLabel('payment_requested')).toBe('Chờ nộp phí, lệ phí');
		expect(stateLabel('unknown_state', 10)).toBe('Đã trả kết quả');
	});
	it('folds diacritics', () => {
		expect(fold('Đăng ký  Khai sinh')).toBe('dang ky khai sinh');
		expect(matches('Cấp Giấy xác nhận tình trạng hôn nhân', 'xac nhan tinh trang hon nhan')).toBe(true);
		expect(matches('Đăng ký khai tử', 'khai sinh')).toBe(false);
	});
	it('formats sizes and times', () => {
		expect(formatSize(462)).toBe('462 B');
		expect(formatSize(2048)).toBe('2 KB');
		expect(formatSize(3 * 1024 * 1024)).toBe('3,0 MB');
		expect(formatDateTime('2026-11-23T18:42:00Z')).toBe('01:42 24/11/2026');
	});
});
