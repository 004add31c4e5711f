import { describe, expect, it } from 'vitest';
import {
	answers,
	applyPrefill,
	checkAnswers,
	checkFile,
	fieldIdFor,
	initialValues,
	MAX_UPLOAD_BYTES,
	toInput,
	type FormField
} from './eform';

const fields: FormField[] = [
	{ key: 'ho_ten', label: 'Họ tên', kind: { type: 'text' }, required: true, prefill: 'identity.full_name' },
	{ key: 'ngay_sinh', label: 'Ngày sinh', kind: { type: 'date' }, required: true },
	{ key: 'so_con', label: 'Số con', kind: { type: 'number' } },
	{ key: 'gioi_tinh', label: 'Giới tính', kind: { type: 'select', options: [{ value: 'nam', label: 'Nam' }] } },
	{ key: 'noi_o', label: 'Nơi ở', kind: { type: 'address' }, required: true },
	{ key: 'cam_doan', label: 'Cam đoan', kind: { type: 'checkbox' }, required: true },
	{ key: 'ghi_chu', label: 'Ghi chú', kind: { type: 'textarea' }, rules: { max_length: 5 } },
	{ key: 'cccd', label: 'Số định danh', kind: { type: 'personal_id' } }
];

describe('e-form values', () => {
	it('starts empty, by kind', () => {
		const v = initialValues(fields);
		expect(v.ho_ten).toBe('');
		expect(v.cam_doan).toBe(false);
		expect(v.noi_o).toEqual({ province_code: '', commune_code: '', detail: '' });
	});

	it('applies the prefill and remembers source and editability', () => {
		const { values, info } = applyPrefill(fields, initialValues(fields), [
			{ key: 'ho_ten', value: 'Nguyễn Văn An', source: 'identity', editable: false },
			{ key: 'noi_o', value: { province_code: '38', commune_code: '14797', detail: 'Số 12' }, source: 'population', editable: true },
			{ key: 'khong_co', value: 'x', source: 'population', editable: true }
		]);
		expect(values.ho_ten).toBe('Nguyễn Văn An');
		expect(values.noi_o).toEqual({ province_code: '38', commune_code: '14797', detail: 'Số 12' });
		expect(info).toEqual({
			ho_ten: { source: 'identity', editable: false },
			noi_o: { source: 'population', editable: true }
		});
		expect(toInput(fields[2]!, 3)).toBe('3');
	});

	it('builds the answers: numbers as numbers, empty optional fields left out', () => {
		const v = initialValues(fields);
		v.ho_ten = '  Nguyễn Văn An ';
		v.ngay_sinh = '1990-01-15';
		v.so_con = '2';
		v.noi_o = { province_code: '38', commune_code: '', detail: ' Số 12 ' };
		v.cam_doan = true;
		expect(answers(fields, v)).toEqual({
			ho_ten: 'Nguyễn Văn An',
			ngay_sinh: '1990-01-15',
			so_con: 2,
			noi_o: { province_code: '38', commune_code: '', detail: 'Số 12' },
			cam_doan: true
		});
	});

	it('checks required fields and formats before sending', () => {
		const v = initialValues(fields);
		v.ghi_chu = 'quá dài rồi';
		v.cccd = '123';
		const errs = checkAnswers(fields, v);
		expect(Object.keys(errs).sort()).toEqual(['cam_doan', 'cccd', 'ghi_chu', 'ho_ten', 'ngay_sinh', 'noi_o']);
		expect(errs.cccd).toBe('Số định danh cá nhân gồm 12 chữ số');
		expect(errs.ghi_chu).toBe('Tối đa 5 ký tự');
	});
});

describe('field error paths', () => {
	it('maps API paths to the inputs', () => {
		expect(fieldIdFor('body.form.ho_ten')).toBe('f-ho_ten');
		expect(fieldIdFor('body.form.noi_o.detail')).toBe('f-noi_o');
		expect(fieldIdFor('body.owner.full_name')).toBe('o-full_name');
		expect(fieldIdFor('body.attachments.TP01')).toBe('c-TP01');
		expect(fieldIdFor('body.attachments[1].upload_id', ['TP01', 'TP02'])).toBe('c-TP02');
		expect(fieldIdFor('body.agency_id')).toBe('agency');
		expect(fieldIdFor('body.something')).toBeNull();
	});
});

describe('file checks', () => {
	it('accepts what the backend accepts, up to 20 MB', () => {
		expect(checkFile('to-khai.PDF', 1000)).toBeNull();
		expect(checkFile('anh.jpeg', 1000)).toBeNull();
		expect(checkFile('virus.exe', 1000)).toMatch(/Chỉ chấp nhận/);
		expect(checkFile('khong-duoi', 1000)).toMatch(/Chỉ chấp nhận/);
		expect(checkFile('lon.pdf', MAX_UPLOAD_BYTES + 1)).toMatch(/20 MB/);
		expect(checkFile('rong.pdf', 0)).toBe('Tệp rỗng');
	});
});
