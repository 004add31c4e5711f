// The public transparency page (no sign-in): the province's figures by agency and month, with charts and the
// same numbers as tables, at 360 and 1280 px, axe-clean. A clerk first receives a dossier at the counter (API)
// so the period has something to show.
//
//   BASE_URL=http://127.0.0.1:8080 node --test tests/browser/transparency.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAxe, assertNone, launch, openPage, receiveAtCounter, requireEnv, screenshots, signInStaff, waitForApp } from './helpers.mjs';

const BASE_URL = requireEnv('BASE_URL', 'http://127.0.0.1:8080');
const WARD = 'Ủy ban nhân dân phường Hạc Thành';

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

/** The clerk of phường Hạc Thành receives a request at the counter, so the period has something to show. */
async function receiveOne() {
	const clerk = await signInStaff(browser, BASE_URL, 'hacthanh.motcua');
	try {
		await receiveAtCounter(BASE_URL, clerk);
	} finally {
		await clerk.context.close();
	}
}

test('public transparency: figures by agency and month, charts with tables, no personal data', { timeout: 120_000 }, async () => {
	await receiveOne();
	const { context, page, errors, blocked } = await openPage(browser, { width: 360, height: 740 }, { only: BASE_URL });
	try {
		await page.goto(`${BASE_URL}/`);
		await waitForApp(page, errors);
		await page.getByRole('link', { name: 'Công khai kết quả giải quyết hồ sơ' }).click();
		await page.getByRole('heading', { level: 1, name: 'Công khai kết quả giải quyết thủ tục hành chính' }).waitFor();
		const summary = page.getByTestId('summary');
		await summary.waitFor();
		const received = Number((await summary.locator('dd').first().innerText()).replace(/\./g, ''));
		assert.ok(received >= 1, `received this year: ${received}`);
		const row = page.getByTestId('agencies').getByRole('row', { name: new RegExp(WARD) });
		await row.waitFor();
		// Two charts, each drawn on its canvas and followed by its table.
		const charts = page.locator('figure.chart');
		assert.equal(await charts.count(), 2);
		for (const c of await charts.all()) {
			const box = await c.locator('canvas').boundingBox();
			assert.ok(box && box.width > 200 && box.height > 100, `a drawn chart, not ${JSON.stringify(box)}`);
		}
		await charts.nth(1).getByText('Xem số liệu dạng bảng').click();
		await charts.nth(1).getByRole('rowheader', { name: 'UBND phường Hạc Thành' }).waitFor();
		const text = await page.locator('main').innerText();
		assert.ok(!text.includes('Lê Thị Hồng Nhung') && !/\d{12}/.test(text), 'no personal data on the public page');
		await assertAxe(page, 'transparency');
		await screenshots(page, 'public-01-transparency');

		// Another period: a year with nothing in it says so.
		await page.getByLabel('Từ ngày').fill('01/01/2020');
		await page.getByLabel('Đến ngày').fill('31/12/2020');
		await page.getByRole('button', { name: 'Xem số liệu' }).click();
		await page.getByText('Chưa có hồ sơ nào trong khoảng thời gian này.').waitFor();
		await page.getByTestId('period').getByText('Từ ngày 01/01/2020 đến ngày 31/12/2020').waitFor();
		await assertAxe(page, 'transparency (empty period)');
		assertNone(errors, 'console errors on the public page');
		assertNone(blocked, 'requests to non-local hosts');
	} finally {
		await context.close();
	}
});
