import { describe, expect, it } from 'vitest';
import type { FormField } from '../citizen/eform';
import { answerRows, answerText } from './answers';

const fields: FormField[] = [
	{ key: 'ho_ten', label: 'Họ tên', kind: { type: 'text' } },
	{ key: 'ngay_sinh', label: 'Ngày sinh', kind: { type: 'date' } },
	{ key: 'tinh_trang', label: 'Tình trạng', kind: { type: 'select', options: [{ value: 'chua_ket_hon', label: 'Chưa đăng ký kết hôn với ai' }] } },
	{ key: 'cam_doan', label: 'Cam đoan', kind: { type: 'checkbox' } },
	{ key: 'noi_cu_tru', label: 'Nơi cư trú', kind: { type: 'address' } }
];

describe('answers', () => {
	it('shows each kind as people read it', () => {
		expect(answerText(fields[1], '1990-01-15')).toBe('15/01/1990');
		expect(answerText(fields[2], 'chua_ket_hon')).toBe('Chưa đăng ký kết hôn với ai');
		expect(answerText(fields[3], true)).toBe('Có');
		expect(answerText(fields[4], { province_code: '38', commune_code: '14797', detail: 'Số 12 phố Lê Hoàn' })).toBe(
			'Số 12 phố Lê Hoàn, mã xã, phường 14797, mã tỉnh 38'
		);
		expect(answerText(fields[0], '')).toBe('—');
	});
	it('keeps the form order and lists answers the current form no longer has', () => {
		const rows = answerRows(fields, { cam_doan: true, ho_ten: 'Nguyễn Văn An', cu: 'x' });
		expect(rows.map((r) => r.key)).toEqual(['ho_ten', 'cam_doan', 'cu']);
		expect(rows[2]).toEqual({ key: 'cu', label: 'cu', text: 'x' });
	});
});
