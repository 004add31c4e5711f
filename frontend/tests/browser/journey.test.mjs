// The citizen's journey through the portal, end to end, against a running motcua with its
// national-system stand-ins (fresh seeded database):
//
//   BASE_URL=http://127.0.0.1:8380 SIM_URL=http://127.0.0.1:8391 ARTIFACTS_DIR=/tmp/fe-artifacts \
//     node --test tests/browser/journey.test.mjs
//
// search (no diacritics) → procedure page → sign in (eID stand-in) → prefilled e-form → upload → review →
// submit → clerk accepts and asks for a supplement (API, staff session) → citizen answers (upload + reuse) →
// clerk asks for the fee → citizen pays at the payment stand-in → e-receipt → workflow to the result (the
// leader approves with the result generated from the procedure's layout) → citizen downloads it and rates →
// public lookup → a second dossier withdrawn.
// At 360 px; axe on every motcua page; console errors fail the test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
	assertAxe,
	assertNone,
	launch,
	openPage,
	requireEnv,
	screenshots,
	tinyPdf,
	waitForApp
} from './helpers.mjs';

const BASE_URL = requireEnv('BASE_URL', 'http://127.0.0.1:8380');
const SIM_URL = requireEnv('SIM_URL', 'http://127.0.0.1:8391');
const PROCEDURE = '1.004873';
const PROCEDURE_NAME = 'Cấp Giấy xác nhận tình trạng hôn nhân';
const CITIZEN = 'Nguyễn Văn An';
const PHONE = { width: 360, height: 740 };

/** Failed responses that are the API's normal answers, not errors (none on the journey's own pages). */
const expected = () => false;

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

function log(msg) {
	process.stderr.write(`  · ${msg}\n`);
}

/** A member of staff acting through the API with their own browser session. */
async function staffSession(username) {
	const s = await openPage(browser, { width: 1280, height: 800 }, { only: BASE_URL });
	await s.page.goto(`${BASE_URL}/auth/login?who=staff`);
	await s.page.getByRole('button', { name: new RegExp(username.replace('.', '\\.')) }).click();
	await s.page.waitForURL((u) => u.href.startsWith(BASE_URL));
	const me = await s.context.request.get(`${BASE_URL}/api/v1/me`);
	assert.equal(me.status(), 200, `staff ${username} is not signed in: ${await me.text()}`);
	const { csrf_token: csrf, kind } = await me.json();
	assert.equal(kind, 'staff');
	const headers = { 'x-csrf-token': csrf };
	return {
		async dossier(id) {
			const r = await s.context.request.get(`${BASE_URL}/api/v1/dossiers/${id}`);
			assert.equal(r.status(), 200, `GET dossier as ${username}: ${await r.text()}`);
			return r.json();
		},
		/** POST an action on the dossier's current version; it must succeed. */
		async act(id, body) {
			const d = await this.dossier(id);
			const r = await s.context.request.post(`${BASE_URL}/api/v1/dossiers/${id}/actions`, {
				headers: { ...headers, 'Idempotency-Key': crypto.randomUUID() },
				data: { expected_version: d.version, ...body }
			});
			const answer = await r.json().catch(() => null);
			assert.equal(
				r.status(),
				200,
				`${username} ${body.action} on a dossier in state ${d.state} (allowed ${JSON.stringify(d.allowed_actions)}): ` +
					`HTTP ${r.status()} ${JSON.stringify(answer)}`
			);
			log(`${username}: ${body.action} → ${answer?.state ?? '?'}`);
			return answer;
		},
		errors: s.errors,
		close: () => s.context.close()
	};
}

/** Visit-level checks of a motcua page: app started, axe clean, screenshots. */
async function checkPage(page, errors, name) {
	await waitForApp(page, errors);
	await assertAxe(page, name);
	await screenshots(page, name);
}

/** Fill the e-form of 1.004873 (what prefill leaves open) and go on to the files. */
async function fillForm(page) {
	const resume = page.getByRole('button', { name: 'Bắt đầu lại' });
	if (await resume.isVisible().catch(() => false)) await resume.click();
	await page.locator('#f-tinh_trang').selectOption('chua_ket_hon');
	await page.locator('#f-muc_dich').fill('Để đăng ký kết hôn');
	await page.locator('#f-cam_doan').check();
	await page.locator('#agency').selectOption({ label: 'Ủy ban nhân dân phường Hạc Thành' });
	// Leaving a step saves the draft.
	await Promise.all([
		page.waitForResponse((r) => r.request().method() === 'PUT' && /\/api\/v1\/me\/drafts\//.test(r.url())),
		page.getByRole('button', { name: 'Tiếp tục' }).click()
	]);
	await page.getByRole('heading', { name: /Bước 2\/3/ }).waitFor();
}

async function uploadTp01(page, name) {
	await page.locator('#c-TP01').setInputFiles({ name, mimeType: 'application/pdf', buffer: tinyPdf(name) });
	await page.getByText(`Đã tải lên: ${name}`).waitFor();
}

test('citizen journey: search, apply, supplement, pay, result, rating, lookup, withdraw', { timeout: 300_000 }, async () => {
	const started = Date.now();
	const { context, page, errors, blocked } = await openPage(browser, PHONE, { only: BASE_URL, expected });
	const staff = [];
	try {
		// 1. Search without diacritics from the home page.
		await page.goto(`${BASE_URL}/`);
		await waitForApp(page, errors);
		await page.getByLabel('Tìm thủ tục hành chính').fill('xac nhan tinh trang hon nhan');
		await page.getByRole('button', { name: 'Tìm kiếm' }).click();
		await page.waitForURL(/\/thu-tuc\?q=/);
		const result = page.getByRole('link', { name: PROCEDURE_NAME });
		await result.waitFor();
		await page.getByText(/^1 thủ tục/).waitFor();
		await checkPage(page, errors, 'journey-01-search');

		// 2. The procedure page.
		await result.click();
		await page.waitForURL(new RegExp(`/thu-tuc/${PROCEDURE.replace('.', '\\.')}/?$`));
		await page.getByRole('heading', { level: 1, name: PROCEDURE_NAME }).waitFor();
		await page.getByText('10.000\u00a0₫').first().waitFor();
		await checkPage(page, errors, 'journey-02-procedure');

		// 3. Apply → sign in at the eID stand-in.
		await page.getByRole('link', { name: 'Nộp hồ sơ trực tuyến' }).click();
		await page.getByRole('button', { name: new RegExp(CITIZEN) }).click();
		await page.waitForURL(`${BASE_URL}/thu-tuc/${PROCEDURE}/nop-ho-so`);
		log('signed in as the citizen');

		// 4. The prefilled form: birth date from the population database.
		const birth = page.locator('#f-ngay_sinh');
		// 15/01/1990 in the population database stand-in (sim/eid/accounts.json), shown dd/mm/yyyy.
		await page.waitForFunction(() => document.querySelector('#f-ngay_sinh')?.value === '15/01/1990');
		assert.equal(await birth.getAttribute('data-value'), '1990-01-15');
		assert.equal(await birth.getAttribute('readonly'), '', 'the birth date is locked when prefilled');
		await page.getByText('Lấy từ CSDL quốc gia về dân cư').first().waitFor();
		assert.equal(await page.locator('#f-ho_ten').inputValue(), CITIZEN);
		await checkPage(page, errors, 'journey-03-form');
		await fillForm(page);

		// 5. Upload TP01.
		await uploadTp01(page, 'to-khai-tp01.pdf');
		await checkPage(page, errors, 'journey-04-files');
		await page.getByRole('button', { name: 'Tiếp tục' }).click();

		// 6. Review and submit.
		await page.getByRole('heading', { name: /Bước 3\/3/ }).waitFor();
		await page.getByText('to-khai-tp01.pdf').waitFor();
		await checkPage(page, errors, 'journey-05-review');
		await page.getByRole('button', { name: 'Nộp hồ sơ' }).click();
		const codeEl = page.getByTestId('dossier-code');
		await codeEl.waitFor();
		const code = (await codeEl.innerText()).trim();
		assert.match(code, /^[0-9A-Z.]+-\d{6}-\d{4,}$/, `dossier code ${code}`);
		log(`submitted ${code}`);
		await checkPage(page, errors, 'journey-06-submitted');
		await page.getByRole('link', { name: 'Xem hồ sơ' }).click();
		await page.waitForURL(/\/ho-so\/[0-9a-f-]{36}$/);
		const dossierId = page.url().split('/').pop();
		await page.getByTestId('dossier-status').waitFor();
		await page.getByText('Bạn đã nộp hồ sơ trực tuyến').waitFor();
		await checkPage(page, errors, 'journey-07-dossier');

		// 7. The clerk accepts and asks for a supplement.
		const clerk = await staffSession('hacthanh.motcua');
		staff.push(clerk);
		await clerk.act(dossierId, { action: 'accept' });
		await clerk.act(dossierId, {
			action: 'request_supplement',
			reason: 'Thiếu giấy tờ chứng minh',
			items: ['Bản sao giấy khai sinh']
		});

		// 8. The citizen answers: one new upload, one document reused from the data store.
		await page.reload();
		await waitForApp(page, errors);
		await page.getByTestId('supplement-items').getByText('Bản sao giấy khai sinh').waitFor();
		await page.getByText(/Cơ quan yêu cầu bổ sung hồ sơ: Bản sao giấy khai sinh/).waitFor();
		// The receipt (Mẫu 01) and the supplement request (Mẫu 02) addressed to the citizen, as PDFs.
		const official = page.getByTestId('official-documents');
		for (const title of ['Giấy tiếp nhận hồ sơ và hẹn trả kết quả', 'Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ']) {
			const link = official.getByRole('link', { name: new RegExp(title) });
			const pdf = await context.request.get(new URL(await link.getAttribute('href'), BASE_URL).href);
			assert.equal(pdf.status(), 200, `${title} download`);
			assert.equal((await pdf.body()).subarray(0, 5).toString('latin1'), '%PDF-');
		}
		await page.locator('#sup-comp-0').selectOption('TP02');
		await page.locator('#sup-file-0').setInputFiles({ name: 'giay-khai-sinh.pdf', mimeType: 'application/pdf', buffer: tinyPdf('khai sinh') });
		await page.getByText('Đã tải lên: giay-khai-sinh.pdf').waitFor();
		await page.getByRole('button', { name: 'Thêm tệp' }).click();
		await page.locator('#sup-comp-1').selectOption('TP01');
		await page.getByRole('button', { name: 'Dùng lại giấy tờ đã lưu cho tệp bổ sung 2' }).click();
		await page.getByRole('button', { name: 'to-khai-tp01.pdf' }).first().click();
		await page.getByText('Dùng lại: to-khai-tp01.pdf').waitFor();
		await checkPage(page, errors, 'journey-08-supplement');
		await page.getByRole('button', { name: 'Gửi hồ sơ bổ sung' }).click();
		await page.getByText('Đã gửi hồ sơ bổ sung.').waitFor();
		await page.getByText('Bạn đã bổ sung hồ sơ').waitFor();
		log('supplement sent');

		// 9. The clerk asks for the fee; the citizen pays online.
		await clerk.act(dossierId, { action: 'request_payment' });
		await page.reload();
		await waitForApp(page, errors);
		await page.getByText('10.000\u00a0₫').first().waitFor();
		await checkPage(page, errors, 'journey-09-pay');
		await page.getByRole('button', { name: 'Thanh toán trực tuyến' }).click();
		await page.waitForURL((u) => u.href.startsWith(`${SIM_URL}/paygov/thanh-toan/`));
		await page.getByRole('button', { name: 'Xác nhận thanh toán' }).click();
		await page.waitForURL((u) => u.href.startsWith(`${BASE_URL}/thanh-toan/ket-qua?ma=`));
		await page.getByTestId('payment-result').getByText('Thanh toán thành công').waitFor({ timeout: 20_000 });
		await checkPage(page, errors, 'journey-10-paid');
		await page.getByTestId('payment-result').getByRole('link').click();
		await page.waitForURL(`${BASE_URL}/ho-so/${dossierId}`);
		await page.getByTestId('payment').getByText('Đã thanh toán').waitFor();
		// The e-receipt is fetched from the payment platform right after the callback (or on the next pass).
		const receipt = page.getByRole('link', { name: /Tải biên lai điện tử/ });
		for (let i = 0; i < 25 && !(await receipt.isVisible()); i++) {
			await page.waitForTimeout(2000);
			await page.reload();
			await waitForApp(page, errors);
		}
		await receipt.waitFor({ timeout: 2000 });
		const rec = await context.request.get(new URL(await receipt.getAttribute('href'), BASE_URL).href);
		assert.equal(rec.status(), 200, 'e-receipt download');
		log('paid; e-receipt available');

		// 10. The workflow to the result: the officer submits it, the leader approves with the result written
		// from the procedure's layout, the desk returns it.
		await clerk.act(dossierId, { action: 'hand_over' });
		const officer = await staffSession('hacthanh.tuphap');
		staff.push(officer);
		await officer.act(dossierId, { action: 'submit_for_approval' });
		const leader = await staffSession('hacthanh.chutich');
		staff.push(leader);
		const approved = await leader.act(dossierId, { action: 'approve', generate_result: true });
		assert.equal(approved.state, 'result_ready');
		await clerk.act(dossierId, { action: 'return_result', delivery: 'online' });

		// 11. The citizen downloads the result and rates the service.
		await page.reload();
		await waitForApp(page, errors);
		await page.getByTestId('dossier-status').getByText('Đã trả kết quả').waitFor();
		const resultLink = page.locator('.docs li', { hasText: 'Kết quả' }).getByRole('link').first();
		await resultLink.waitFor();
		const res = await context.request.get(new URL(await resultLink.getAttribute('href'), BASE_URL).href);
		assert.equal(res.status(), 200, 'result download');
		assert.equal((await res.body()).subarray(0, 5).toString('latin1'), '%PDF-');
		await page.getByText('Đã có kết quả').first().waitFor();
		await page.getByLabel('5 — Rất hài lòng').check();
		await page.getByLabel('Góp ý (không bắt buộc)').fill('Nhanh chóng, thuận tiện.');
		await checkPage(page, errors, 'journey-11-result');
		await page.getByRole('button', { name: 'Gửi đánh giá' }).click();
		await page.getByTestId('rating').getByText('Rất hài lòng').waitFor();
		log('result downloaded, rated');

		// 12. Public lookup, signed out (another context).
		const anon = await openPage(browser, PHONE, {
			only: BASE_URL,
			expected: (url, status) => status === 404 && url.endsWith('/api/v1/public/dossiers/H56.101-000000-0000')
		});
		try {
			await anon.page.goto(`${BASE_URL}/tra-cuu`);
			await waitForApp(anon.page, anon.errors);
			await anon.page.getByLabel('Mã hồ sơ').fill('H56.101-000000-0000');
			await anon.page.getByRole('button', { name: 'Tra cứu' }).click();
			await anon.page.getByText('Không tìm thấy hồ sơ với mã này').waitFor();
			await anon.page.getByLabel('Mã hồ sơ').fill(code);
			await anon.page.getByRole('button', { name: 'Tra cứu' }).click();
			const found = anon.page.getByTestId('lookup-result');
			await found.getByText('Đã trả kết quả').waitFor();
			await found.getByText(PROCEDURE_NAME).waitFor();
			const text = await found.innerText();
			assert.ok(!text.includes(CITIZEN), 'the public lookup must mask the applicant name');
			assert.match(text, /N\*+/, 'masked applicant name shown');
			await checkPage(anon.page, anon.errors, 'journey-12-lookup');
			assertNone(anon.errors, 'console errors in the public lookup');
		} finally {
			await anon.context.close();
		}

		// 13. A second dossier, withdrawn by the citizen.
		await page.goto(`${BASE_URL}/thu-tuc/${PROCEDURE}/nop-ho-so`);
		await waitForApp(page, errors);
		await page.waitForFunction(() => document.querySelector('#f-ngay_sinh')?.value === '15/01/1990');
		// Missing answers: a linked error summary, and the message beside the field.
		await page.getByRole('button', { name: 'Tiếp tục' }).click();
		const summary = page.getByRole('alert').filter({ hasText: 'Có lỗi cần sửa' });
		await summary.waitFor();
		await summary.getByRole('link', { name: 'Vui lòng chọn tình trạng hôn nhân hiện tại' }).click();
		assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-tinh_trang', 'the summary link focuses the field');
		await page.locator('#f-tinh_trang-err').waitFor();
		await checkPage(page, errors, 'journey-13-form-errors');
		await fillForm(page);
		// The draft was saved when leaving step 1: reopening offers to resume it.
		await page.reload();
		await waitForApp(page, errors);
		await page.getByRole('button', { name: 'Tiếp tục bản nháp' }).click();
		await page.getByRole('heading', { name: /Bước 2\/3/ }).waitFor();
		await uploadTp01(page, 'to-khai-2.pdf');
		await page.getByRole('button', { name: 'Tiếp tục' }).click();
		await page.getByRole('button', { name: 'Nộp hồ sơ' }).click();
		await page.getByTestId('dossier-code').waitFor();
		await page.getByRole('link', { name: 'Xem hồ sơ' }).click();
		await page.waitForURL(/\/ho-so\/[0-9a-f-]{36}$/);
		await page.getByRole('button', { name: 'Rút hồ sơ' }).click();
		await page.getByLabel('Lý do rút hồ sơ').fill('Tôi không còn nhu cầu.');
		await checkPage(page, errors, 'journey-14-withdraw');
		await page.getByRole('button', { name: 'Xác nhận rút hồ sơ' }).click();
		await page.getByTestId('dossier-status').getByText('Đã rút hồ sơ').waitFor();
		await page.getByText('Bạn đã rút hồ sơ. Lý do: Tôi không còn nhu cầu.').waitFor();

		// 14. My dossiers lists both.
		await page.goto(`${BASE_URL}/ho-so`);
		await waitForApp(page, errors);
		await page.getByRole('link', { name: code }).waitFor();
		await checkPage(page, errors, 'journey-15-my-dossiers');

		// 15. Notifications: the acceptance, the supplement and payment requests and the result, then sign out.
		await page.goto(`${BASE_URL}/thong-bao`);
		await page.getByRole('heading', { level: 1, name: 'Thông báo' }).waitFor();
		await page.locator('main').getByText(code).first().waitFor();
		await checkPage(page, errors, 'journey-16-notifications');
		await page.getByRole('button', { name: /Đăng xuất/ }).click();
		await page.waitForURL((u) => !u.href.startsWith(BASE_URL));
		const confirm = page.getByRole('button', { name: 'Đăng xuất' });
		if (await confirm.isVisible().catch(() => false)) await confirm.click();
		await page.waitForURL((u) => u.href.startsWith(BASE_URL));
		await waitForApp(page, errors);
		await page.getByRole('link', { name: 'Đăng nhập', exact: true }).first().waitFor();
		const me = await context.request.get(`${BASE_URL}/api/v1/me`);
		assert.equal(me.status(), 401, 'signed out');

		for (const s of staff) assertNone(s.errors, 'console errors in a staff session');
		assertNone(errors, 'console errors during the journey');
		assertNone(blocked, 'requests to non-local hosts');
		log(`journey done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	} catch (e) {
		// Say where the journey stopped and what the page showed.
		const main = await page.locator('main').innerText().catch(() => '(no main)');
		log(`stopped at ${page.url()}\n${main.slice(0, 2000)}\nerrors: ${errors.join('\n  ')}`);
		throw e;
	} finally {
		for (const s of staff) await s.close();
		await context.close();
	}
});
