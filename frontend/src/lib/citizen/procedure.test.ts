import { describe, expect, it } from 'vitest';
import { canFileOnline, competentAgencies, filterSummaries, type Agency, type Summary } from './procedure';

const agencies: Agency[] = [
	{ id: 'p', name: 'UBND tỉnh', level: 'province', code: 'H56' },
	{ id: 's', name: 'Sở Tư pháp', level: 'department', code: 'H56.14', legacy_code: '000.00.14.H56' },
	{ id: 'c1', name: 'UBND phường Hạc Thành', level: 'commune', code: 'H56.101' },
	{ id: 'c2', name: 'UBND phường Sầm Sơn', level: 'commune', code: 'H56.102' }
];

describe('competentAgencies', () => {
	it('by level or by agency code', () => {
		expect(competentAgencies({ competent: { level: 'commune' } }, agencies).map((a) => a.id)).toEqual(['c1', 'c2']);
		expect(competentAgencies({ competent: { agency: 'H56.14' } }, agencies).map((a) => a.id)).toEqual(['s']);
		expect(competentAgencies({ competent: { agency: '000.00.14.H56' } }, agencies).map((a) => a.id)).toEqual(['s']);
	});
});

describe('filterSummaries', () => {
	const list: Summary[] = [
		{ code: '1.004873', name: 'Cấp Giấy xác nhận tình trạng hôn nhân', field_code: 'LV05', field_name: 'Hộ tịch', online_level: 'full', competent_level: 'commune' },
		{ code: '1.001193', name: 'Đăng ký khai sinh', field_code: 'LV05', field_name: 'Hộ tịch', online_level: 'partial', competent_level: 'commune' },
		{ code: '2.000001', name: 'Cấp phép xây dựng', field_code: 'LV10', field_name: 'Xây dựng', online_level: 'none', competent_agency: 'H56.18' }
	];
	const level = (s: Summary) => s.competent_level ?? 'department';
	it('matches words without diacritics and filters', () => {
		expect(filterSummaries(list, { q: 'dang ky khai sinh', field: '', level: '', online: '' }, level).map((s) => s.code)).toEqual(['1.001193']);
		expect(filterSummaries(list, { q: '', field: 'LV05', level: '', online: 'full' }, level).map((s) => s.code)).toEqual(['1.004873']);
		expect(filterSummaries(list, { q: '', field: '', level: 'department', online: '' }, level).map((s) => s.code)).toEqual(['2.000001']);
	});
	it('knows what can be filed online', () => {
		expect(canFileOnline({ online_level: 'full' })).toBe(true);
		expect(canFileOnline({ online_level: 'none' })).toBe(false);
	});
});
