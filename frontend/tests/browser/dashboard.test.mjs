// The leaders' dashboard in the desk: figures, trend / comparison / hot-spot charts with their tables, the
// QĐ 766 indicators, a figure opened to its dossiers, exports; axe on every state; screenshots at 360 and 1280 px.
//
//   BASE_URL=http://127.0.0.1:8080 node --test tests/browser/dashboard.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAxe, assertNone, launch, receiveAtCounter, requireEnv, screenshots, signInStaff, tinyPdf, waitForApp } from './helpers.mjs';

const BASE_URL = requireEnv('BASE_URL', 'http://127.0.0.1:8080');

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

test('a leader reads the dashboard, opens a figure to its dossiers, and the province compares its agencies', { timeout: 180_000 }, async () => {
	const clerk = await signInStaff(browser, BASE_URL, 'hacthanh.motcua');
	const received = await receiveAtCounter(BASE_URL, clerk, 'Trịnh Thị Thu Hương');
	await clerk.context.close();
	// And a criminal record certificate (Sở Tư pháp) at the provincial service centre: a second agency.
	const centre = await signInStaff(browser, BASE_URL, 'ttphvhcc.motcua');
	const up = await centre.context.request.post(`${BASE_URL}/api/v1/uploads`, {
		headers: centre.headers,
		multipart: { file: { name: 'to-khai.pdf', mimeType: 'application/pdf', buffer: tinyPdf('to khai') } }
	});
	const res = await centre.context.request.post(`${BASE_URL}/api/v1/dossiers/counter`, {
		headers: { ...centre.headers, 'Idempotency-Key': crypto.randomUUID() },
		data: {
			procedure_code: '2.000488',
			applicant: { full_name: 'Phan Văn Đức', personal_id: '038188004455', phone: '0912000111' },
			form: {
				ho_ten: 'Phan Văn Đức',
				so_dinh_danh: '038188004455',
				ngay_sinh: '1988-09-02',
				gioi_tinh: 'nam',
				noi_thuong_tru: { province_code: '38', commune_code: '16000', detail: 'Số 9 Trần Phú' },
				dien_thoai: '0912000111',
				loai_phieu: 'so_1',
				muc_dich: 'Bổ sung hồ sơ xin việc',
				so_luong: 1
			},
			attachments: [{ upload_id: (await up.json()).id, component_code: 'TP01', checked_against_original: true }]
		}
	});
	assert.equal(res.status(), 201, await res.text());
	await centre.context.close();

	const leader = await signInStaff(browser, BASE_URL, 'hacthanh.chutich');
	const { page, errors } = leader;
	try {
		await page.setViewportSize({ width: 360, height: 740 });
		await page.goto(`${BASE_URL}/mot-cua`);
		await waitForApp(page, errors);
		await page.getByRole('navigation', { name: 'Bàn làm việc' }).getByRole('link', { name: 'Báo cáo' }).click();
		await page.getByRole('heading', { level: 1, name: 'Báo cáo và chỉ số phục vụ người dân' }).waitFor();
		const summary = page.getByTestId('dashboard-summary');
		await summary.waitFor();
		const count = Number((await summary.locator('dd').first().innerText()).replace(/\./g, ''));
		assert.ok(count >= 1, `received this year at the ward: ${count}`);
		await page.getByTestId('indicators').getByRole('rowheader', { name: /Mức độ hài lòng/ }).waitFor();
		// The trend month by month (hot spots appear only where something is late).
		await page.locator('figure.chart', { hasText: 'Xu hướng theo tháng' }).waitFor();
		const charts = page.locator('figure.chart');
		for (const c of await charts.all()) {
			const box = await c.locator('canvas').boundingBox();
			assert.ok(box && box.width > 200 && box.height > 100, `a drawn chart, not ${JSON.stringify(box)}`);
		}
		await assertAxe(page, 'dashboard');
		await screenshots(page, 'desk-dashboard-01-leader');

		// A figure opens to the dossiers behind it: the one just received is there.
		await page.getByTestId('counters').getByRole('button', { name: /^Hồ sơ tiếp nhận:/ }).click();
		const drill = page.getByTestId('drill');
		await drill.getByRole('link', { name: received.code }).waitFor();
		assert.equal(await page.evaluate(() => document.activeElement?.id), 'drill', 'the list takes the focus');
		await assertAxe(page, 'dashboard drill-down');
		await screenshots(page, 'desk-dashboard-02-drill');

		// Exports: the workbook and the PDF answer.
		const xlsx = await leader.context.request.get(new URL(await page.getByRole('link', { name: 'Tải bảng tính Excel' }).getAttribute('href'), BASE_URL).href);
		assert.equal(xlsx.status(), 200);
		const pdf = await leader.context.request.get(new URL(await page.getByRole('link', { name: /Mở bản PDF/ }).getAttribute('href'), BASE_URL).href);
		assert.equal((await pdf.body()).subarray(0, 5).toString('latin1'), '%PDF-');

		// A wrong period is said in Vietnamese, nothing is asked.
		await page.getByLabel('Đến ngày (dd/mm/yyyy)').fill('01/01/2020');
		await page.getByText('Ngày kết thúc không được trước ngày bắt đầu.').waitFor();
		assertNone(errors, 'console errors for the leader');
	} finally {
		await leader.context.close();
	}

	// The province's administrator compares every agency (with sub-agencies).
	const admin = await signInStaff(browser, BASE_URL, 'tinh.quantri');
	try {
		await admin.page.goto(`${BASE_URL}/mot-cua/bao-cao`);
		await waitForApp(admin.page, admin.errors);
		await admin.page.getByLabel('Cơ quan').selectOption({ label: 'Ủy ban nhân dân tỉnh Thanh Hóa' });
		await admin.page.getByRole('button', { name: 'Xem báo cáo' }).click();
		const compare = admin.page.locator('figure.chart', { hasText: 'So sánh các cơ quan' });
		await compare.waitFor();
		await compare.getByText('Xem số liệu dạng bảng').click();
		await compare.getByRole('rowheader', { name: 'UBND phường Hạc Thành' }).waitFor();
		await assertAxe(admin.page, 'dashboard, province');
		await screenshots(admin.page, 'desk-dashboard-03-province');
		assertNone(admin.errors, 'console errors for the administrator');
	} finally {
		await admin.context.close();
	}
});
