// The staff desk (bàn làm việc một cửa) at /mot-cua, in Chromium, against a running motcua with its
// national-system stand-ins (the database may hold other tests' dossiers: every test makes its own and
// finds them by code):
//
//   BASE_URL=http://127.0.0.1:8080 SIM_URL=http://127.0.0.1:8090 node --test tests/browser/desk.test.mjs
//
// Counter reception with the keyboard alone to the printed receipt; an online dossier received, paid,
// handed over, sent back, approved and returned across three staff sign-ins; a supplement request; an apology with a new
// date; a refusal; two clerks acting on one dossier (the second keeps what they typed); a session that
// ends while typing (signed in again in a new tab, nothing lost); administration
// (units, staff, working hours, the holiday calendar, a procedure's e-form and workflow with the API's
// field errors); national dead letters corrected and replayed. At 360 px with 1280 px screenshots; axe on
// every desk page; console errors fail the test.
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

const BASE_URL = requireEnv('BASE_URL', 'http://127.0.0.1:8080');
const SIM_URL = requireEnv('SIM_URL', 'http://127.0.0.1:8090');
const PROCEDURE = '1.004873';
const PROCEDURE_NAME = 'Cấp Giấy xác nhận tình trạng hôn nhân';
const AGENCY = 'Ủy ban nhân dân phường Hạc Thành';
const PHONE = { width: 360, height: 740 };
const CONFLICT = 'Người khác vừa xử lý hồ sơ này; vui lòng tải lại';

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

/** Visit-level checks of a desk page: app started, axe clean, screenshots at 360 and 1280 px. */
async function checkPage(page, errors, name) {
	await waitForApp(page, errors);
	await assertAxe(page, name);
	await screenshots(page, name);
}

/**
 * A member of staff at the desk in their own browser context, signed in through the staff provider.
 * With `gateShot`, through the desk's own sign-in page first (an anonymous visitor: its `/me` is a 401).
 * `expected(url, status)` names the error answers the test provokes on purpose (a conflict, a 422).
 */
async function desk(username, { gateShot, expected } = {}) {
	const me401 = (url, status) => status === 401 && url === `${BASE_URL}/api/v1/me`;
	const s = await openPage(browser, PHONE, {
		only: BASE_URL,
		expected: (url, status) => (gateShot ? me401(url, status) : false) || (expected?.(url, status) ?? false)
	});
	if (gateShot) {
		await s.page.goto(`${BASE_URL}/mot-cua`);
		await waitForApp(s.page, s.errors);
		const signIn = s.page.getByRole('link', { name: 'Đăng nhập tài khoản cán bộ' });
		await signIn.waitFor();
		assert.equal(await signIn.getAttribute('href'), '/auth/login?who=staff&return_to=%2Fmot-cua');
		await checkPage(s.page, s.errors, gateShot);
		await signIn.click();
	} else {
		await s.page.goto(`${BASE_URL}/auth/login?who=staff&return_to=/mot-cua`);
	}
	await s.page.getByRole('button', { name: new RegExp(username.replace('.', '\\.')) }).click();
	await s.page.waitForURL((u) => u.href.startsWith(`${BASE_URL}/mot-cua`));
	await s.page.getByTestId('desk-who').waitFor();
	await assertAxe(s.page, `desk of ${username}`);
	const me = await (await s.context.request.get(`${BASE_URL}/api/v1/me`)).json();
	assert.equal(me.kind, 'staff', `${username} signed in as staff`);
	log(`${username} at the desk`);
	return { ...s, me, headers: { 'x-csrf-token': me.csrf_token } };
}

/** A citizen who files dossiers for 1.004873 at phường Hạc Thành through the API (the portal's own calls). */
async function citizen(name = 'Nguyễn Văn An') {
	const s = await openPage(browser, { width: 1280, height: 800 }, { only: BASE_URL });
	await s.page.goto(`${BASE_URL}/auth/login?who=citizen&return_to=/thu-tuc`);
	await s.page.getByRole('button', { name: new RegExp(name) }).click();
	await s.page.waitForURL((u) => u.href.startsWith(BASE_URL));
	const req = s.context.request;
	const me = await (await req.get(`${BASE_URL}/api/v1/me`)).json();
	assert.equal(me.kind, 'citizen');
	const headers = { 'x-csrf-token': me.csrf_token };
	const agencies = await (await req.get(`${BASE_URL}/api/v1/agencies`)).json();
	const agency = agencies.find((a) => a.name === AGENCY);
	assert.ok(agency, `${AGENCY} in the agency list`);
	return {
		/** Files one dossier online; returns {id, code}. */
		async submit(purpose) {
			const up = await req.post(`${BASE_URL}/api/v1/uploads`, {
				headers,
				multipart: { file: { name: 'to-khai.pdf', mimeType: 'application/pdf', buffer: tinyPdf('to khai') } }
			});
			assert.equal(up.status(), 201, `upload: ${await up.text()}`);
			const prefill = await (await req.get(`${BASE_URL}/api/v1/procedures/${PROCEDURE}/prefill`)).json();
			const form = Object.fromEntries(prefill.values.map((v) => [v.key, v.value]));
			assert.ok(form.gioi_tinh && form.noi_cu_tru, 'the population database prefilled sex and address');
			Object.assign(form, { tinh_trang: 'chua_ket_hon', muc_dich: purpose, cam_doan: true });
			const r = await req.post(`${BASE_URL}/api/v1/dossiers`, {
				headers: { ...headers, 'Idempotency-Key': crypto.randomUUID() },
				data: {
					procedure_code: PROCEDURE,
					agency_id: agency.id,
					form,
					attachments: [{ upload_id: (await up.json()).id, component_code: 'TP01' }]
				}
			});
			assert.equal(r.status(), 201, `online submission: ${await r.text()}`);
			const d = await r.json();
			log(`citizen filed ${d.code}`);
			return { id: d.id, code: d.code };
		},
		errors: s.errors,
		close: () => s.context.close()
	};
}

/**
 * Finds a dossier by its code in a queue and opens it, with the keyboard: "/" to the search box, the code,
 * Enter, Tab to the row's link, Enter. axe checks the queue and the dossier page.
 */
async function openFromQueue(s, queue, code) {
	const { page, errors } = s;
	await page.goto(`${BASE_URL}/mot-cua?hang-doi=${queue}`);
	await waitForApp(page, errors);
	await page.getByRole('heading', { level: 1, name: 'Hồ sơ cần xử lý' }).waitFor();
	await page.keyboard.press('/');
	assert.equal(await focusedId(page), 'q-search', '"/" goes to the search box');
	await page.keyboard.type(code);
	await page.keyboard.press('Enter');
	const link = page.getByTestId(`row-${code}`).getByRole('link', { name: code });
	await link.waitFor();
	await assertAxe(page, `queue ${queue}`);
	await tabTo(page, `[data-testid="row-${code}"] a.row-link`);
	await page.keyboard.press('Enter');
	await page.waitForURL(/\/mot-cua\/ho-so\/[0-9a-f-]{36}$/);
	await page.getByTestId('dossier-code').getByText(code).waitFor();
	await page.getByRole('heading', { name: 'Thao tác' }).waitFor();
	await assertAxe(page, `dossier ${code}`);
}

/** Opens an action's form from its button on the processing page. */
async function startAction(page, label) {
	await page.getByRole('button', { name: label, exact: true }).click();
	await page.getByTestId('action-form').waitFor();
}

/** Confirms the open action and waits for the dossier's new state. */
async function confirmAction(page, stateLabel) {
	await page.getByTestId('action-form').getByRole('button', { name: /^Xác nhận/ }).click();
	await page.getByTestId('dossier-state').getByText(stateLabel, { exact: true }).waitFor();
	await page.locator('#notice').waitFor();
}

/** Presses Tab (Shift+Tab with `back`) until the focused element matches `selector`: the keyboard path. */
async function tabTo(page, selector, { back = false, max = 80 } = {}) {
	for (let i = 0; i < max; i++) {
		if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
		await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
	}
	assert.fail(`Tab never reached ${selector}; focus is on ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200))}`);
}

async function focusedId(page) {
	return page.evaluate(() => document.activeElement?.id ?? '');
}

/** Files chosen in the file input that has the keyboard focus, by pressing Space on it. */
async function chooseFilesByKeyboard(page, names) {
	const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Space')]);
	assert.equal(chooser.isMultiple(), true, 'several files per component');
	await chooser.setFiles(names.map((name) => ({ name, mimeType: 'application/pdf', buffer: tinyPdf(name) })));
}

async function documentsOf(s, id) {
	const r = await s.context.request.get(`${BASE_URL}/api/v1/dossiers/${id}`);
	assert.equal(r.status(), 200);
	return (await r.json()).documents.map((d) => d.form);
}

function finish(...sessions) {
	for (const s of sessions) {
		assertNone(s.errors, 'console errors');
		if (s.blocked) assertNone(s.blocked, 'requests to non-local hosts');
	}
}

test('counter reception with the keyboard alone, to the printed receipt', { timeout: 180_000 }, async () => {
	const clerk = await desk('hacthanh.motcua', { gateShot: 'desk-00-sign-in' });
	const { page, errors, context } = clerk;
	try {
		await page.goto(`${BASE_URL}/mot-cua/tiep-nhan`);
		await waitForApp(page, errors);
		await page.locator('#proc-q').waitFor();
		await checkPage(page, errors, 'desk-01-counter-start');
		const started = Date.now();

		// 1. The procedure: type without diacritics, Enter, Enter on the first result.
		assert.equal(await focusedId(page), 'proc-q', 'the search box has the focus when the page opens');
		await page.keyboard.type('tinh trang hon nhan');
		await page.keyboard.press('Enter');
		await page.waitForFunction(() => document.activeElement?.classList.contains('result'));
		assert.match(await page.evaluate(() => document.activeElement?.textContent ?? ''), new RegExp(PROCEDURE_NAME));
		await page.keyboard.press('Enter');
		await page.getByTestId('chosen-procedure').getByText(PROCEDURE_NAME).waitFor();

		// 2. The applicant: ID and name, Enter looks them up in the population database.
		await page.waitForFunction(() => document.activeElement?.id === 'a-personal_id');
		await page.keyboard.type('038192004567');
		await page.keyboard.press('Tab');
		await page.keyboard.type('Trần Thị Bích Ngọc');
		await page.keyboard.press('Enter');
		await page.getByTestId('lookup-status').getByText('Đã xác thực với Cơ sở dữ liệu quốc gia về dân cư').waitFor();
		assert.equal(await page.locator('#a-birth_date').inputValue(), '08/03/1992', 'birth date from the population database');
		assert.equal(await page.locator('#f-ngay_sinh').getAttribute('data-value'), '1992-03-08');

		// 3. The e-form: the lookup put the focus on the first answer it left open.
		await page.waitForFunction(() => document.activeElement?.id === 'f-tinh_trang');
		await page.keyboard.press('ArrowDown');
		assert.equal(await page.locator('#f-tinh_trang').inputValue(), 'chua_ket_hon');
		await tabTo(page, '#f-muc_dich');
		await page.keyboard.type('Để đăng ký kết hôn');
		await tabTo(page, '#f-cam_doan');
		await page.keyboard.press('Space');
		assert.equal(await page.locator('#f-cam_doan').isChecked(), true);

		// 4. The components: two scanned pages for TP01 (Space opens the file chooser on the scanner's
		// folder; both pages picked), the second moved up, checked against the original.
		await tabTo(page, '#c-TP01');
		await chooseFilesByKeyboard(page, ['trang-1.pdf', 'trang-2.pdf']);
		await page.getByText('1. trang-1.pdf').waitFor();
		await page.getByText('2. trang-2.pdf').waitFor();
		await tabTo(page, 'ol.files li:nth-child(2) button[id^="up-"]', { back: true });
		await page.keyboard.press('Enter');
		await page.getByText('1. trang-2.pdf').waitFor();
		await page.getByText('2. trang-1.pdf').waitFor();
		assert.match(await focusedId(page), /^up-/, 'the focus stays on the moved file');
		await tabTo(page, '#chk-TP01');
		await page.keyboard.press('Space');
		assert.equal(await page.locator('#chk-TP01').isChecked(), true);
		await checkPage(page, errors, 'desk-02-counter-filled');

		// 5. Receive: the dossier code and the appointment.
		await tabTo(page, '#counter-submit');
		await page.keyboard.press('Enter');
		const codeEl = page.getByTestId('dossier-code');
		await codeEl.waitFor();
		const code = (await codeEl.innerText()).trim();
		assert.match(code, /^[0-9A-Z.]+-\d{6}-\d{4,}$/, `dossier code ${code}`);
		assert.equal(await focusedId(page), 'done-h', 'the result takes the focus');
		await page.getByTestId('due-at').waitFor();
		log(`received ${code} at the counter by keyboard in ${((Date.now() - started) / 1000).toFixed(1)} s`);
		await checkPage(page, errors, 'desk-03-counter-received');

		// 6. The receipt (Mẫu 01): Enter on its link opens the PDF to print in a new tab.
		await tabTo(page, '[data-testid="receipt-link"]');
		const [tab] = await Promise.all([context.waitForEvent('page'), page.keyboard.press('Enter')]);
		await tab.waitForLoadState('commit');
		const receiptUrl = tab.url();
		assert.match(receiptUrl, /\/api\/v1\/dossiers\/[0-9a-f-]{36}\/(forms\/01\.pdf|receipt\.pdf)/);
		await tab.close();
		const pdf = await context.request.get(receiptUrl);
		assert.equal(pdf.status(), 200);
		assert.equal(pdf.headers()['content-type'], 'application/pdf');
		assert.equal((await pdf.body()).subarray(0, 5).toString('latin1'), '%PDF-');

		// 7. The dossier as the desk sees it: verified applicant, both pages, checked against the original.
		await tabTo(page, 'a[href^="/mot-cua/ho-so/"]');
		await page.keyboard.press('Enter');
		await page.waitForURL(/\/mot-cua\/ho-so\/[0-9a-f-]{36}$/);
		await page.getByTestId('dossier-state').getByText('Đã tiếp nhận', { exact: true }).waitFor();
		await page.getByText('Đã xác thực với CSDL quốc gia về dân cư').waitFor();
		assert.equal(await page.getByTestId('attachment').count(), 2);
		assert.equal(await page.getByTestId('attachment').filter({ hasText: 'đã đối chiếu bản chính' }).count(), 2);
		await page.getByTestId('documents').getByRole('link', { name: /Mẫu 01/ }).waitFor();
		await page.getByTestId('answers').getByText('Chưa đăng ký kết hôn với ai').waitFor();
		// Inline preview of a scanned page (a PDF in a frame of our own origin).
		await page.getByRole('button', { name: 'Xem trang-2.pdf' }).click();
		const frame = page.locator('iframe[title="Xem trước trang-2.pdf"]');
		await frame.waitFor();
		const framed = await context.request.get(new URL(await frame.getAttribute('src'), BASE_URL).href);
		assert.equal(framed.status(), 200);
		assert.match(framed.headers()['content-disposition'] ?? '', /^inline/);
		assert.match(framed.headers()['content-security-policy'] ?? '', /frame-ancestors 'self'/);
		await checkPage(page, errors, 'desk-04-counter-dossier');

		// The unit's queue finds it by the applicant's name typed without diacritics, at the counter channel.
		await page.goto(`${BASE_URL}/mot-cua?hang-doi=at_my_units`);
		await waitForApp(page, errors);
		await page.locator('#q-search').fill('tran thi bich ngoc');
		await page.locator('#q-channel').selectOption('1');
		await page.getByRole('button', { name: 'Lọc', exact: true }).click();
		await page.waitForURL((u) => u.searchParams.get('tim') === 'tran thi bich ngoc' && u.searchParams.get('kenh') === '1');
		await page.locator('[data-testid="queue-status"][data-query*="q=tran+thi+bich+ngoc"][data-query*="channel=1"]').waitFor();
		await page.getByTestId(`row-${code}`).waitFor();
		const names = await page.locator('tbody tr td[data-label="Người nộp"]').allInnerTexts();
		assert.ok(names.length > 0 && names.every((n) => n.startsWith('Trần Thị Bích Ngọc')), `every row is hers: ${names}`);
		await checkPage(page, errors, 'desk-04a-queue-search');

		// The desk's register (Mẫu 07) for this month, to print.
		await page.getByRole('navigation', { name: 'Bàn làm việc' }).getByRole('link', { name: 'Sổ theo dõi' }).click();
		const register = page.getByTestId('register-link');
		await register.waitFor();
		await checkPage(page, errors, 'desk-04b-register');
		const reg = await context.request.get(new URL(await register.getAttribute('href'), BASE_URL).href);
		assert.equal(reg.status(), 200, 'register PDF');
		assert.equal((await reg.body()).subarray(0, 5).toString('latin1'), '%PDF-');
		finish(clerk);
	} finally {
		await context.close();
	}
});

test('an online dossier received, handed over, approved and returned across three sign-ins', { timeout: 240_000 }, async () => {
	const applicant = await citizen();
	const sessions = [];
	try {
		const { id, code } = await applicant.submit('Để bổ túc hồ sơ xin việc');

		// The clerk receives it from the new-dossier queue and hands it to the officer by name.
		const clerk = await desk('hacthanh.motcua');
		sessions.push(clerk);
		await clerk.page.getByTestId('queue-to_receive').waitFor();
		await checkPage(clerk.page, clerk.errors, 'desk-05-queue-clerk');
		await openFromQueue(clerk, 'to_receive', code);
		await clerk.page.getByTestId('dossier-state').getByText('Mới đăng ký, chờ tiếp nhận', { exact: true }).waitFor();
		await checkPage(clerk.page, clerk.errors, 'desk-06-dossier-submitted');
		await startAction(clerk.page, 'Tiếp nhận hồ sơ');
		await confirmAction(clerk.page, 'Đã tiếp nhận');
		await clerk.page.getByTestId('time-left').waitFor();
		await clerk.page.getByTestId('documents').getByRole('link', { name: /Mẫu 01/ }).waitFor();
		// The fee, paid in cash at the desk: the clock waits meanwhile.
		await startAction(clerk.page, 'Đề nghị nộp phí, lệ phí');
		await clerk.page.getByTestId('action-form').getByText('10.000\u00a0₫').waitFor();
		await confirmAction(clerk.page, 'Chờ nộp phí, lệ phí');
		await clerk.page.getByTestId('payment-state').getByText('Đã đề nghị nộp, chưa nộp').waitFor();
		await clerk.page.getByTestId('time-left').getByText('Tạm dừng tính thời hạn').waitFor();
		await startAction(clerk.page, 'Ghi nhận đã nộp phí');
		await clerk.page.getByLabel('Tiền mặt').check();
		await confirmAction(clerk.page, 'Đã tiếp nhận');
		await clerk.page.getByTestId('payment-state').getByText('Đã nộp (tiền mặt hoặc chuyển khoản)').waitFor();
		await clerk.page.getByText(/10\.000\u00a0₫ · Tiền mặt · đã nộp/).waitFor();
		await startAction(clerk.page, 'Chuyển xử lý');
		await clerk.page.locator('#act-assignee').selectOption({ label: 'Vũ Đình Quý — Công chức Tư pháp - Hộ tịch' });
		await checkPage(clerk.page, clerk.errors, 'desk-07-hand-over');
		await confirmAction(clerk.page, 'Đang xử lý');
		log(`${code}: accepted and handed over`);

		// The officer finds it assigned to them and submits it for approval.
		const officer = await desk('hacthanh.tuphap');
		sessions.push(officer);
		await openFromQueue(officer, 'assigned_to_me', code);
		await officer.page.getByText('giao cho tôi').waitFor();
		await checkPage(officer.page, officer.errors, 'desk-08-officer');
		await startAction(officer.page, 'Trình phê duyệt');
		await confirmAction(officer.page, 'Chờ phê duyệt');

		// The leader first sends it back with a reason; the officer submits it again.
		const leader = await desk('hacthanh.chutich');
		sessions.push(leader);
		await openFromQueue(leader, 'awaiting_my_approval', code);
		await startAction(leader.page, 'Trả lại bước trước');
		await leader.page.locator('#act-reason').fill('Đề nghị xác minh thêm nơi cư trú trước đây');
		await confirmAction(leader.page, 'Đang xử lý');
		await openFromQueue(officer, 'at_my_units', code);
		await officer.page.getByTestId('history').getByText('Lý do: Đề nghị xác minh thêm nơi cư trú trước đây').waitFor();
		await startAction(officer.page, 'Trình phê duyệt');
		await confirmAction(officer.page, 'Chờ phê duyệt');

		// The leader approves; the result is written from the procedure's layout.
		await openFromQueue(leader, 'awaiting_my_approval', code);
		await startAction(leader.page, 'Phê duyệt');
		assert.equal(await leader.page.getByLabel('Tạo văn bản kết quả từ mẫu của thủ tục').isChecked(), true);
		await checkPage(leader.page, leader.errors, 'desk-09-approve');
		await confirmAction(leader.page, 'Đã có kết quả, chờ trả');
		await leader.page.getByTestId('attachment').filter({ hasText: 'Kết quả giải quyết' }).waitFor();
		log(`${code}: approved by the leader`);

		// The clerk hands the result over; the control sheet shows every step.
		await openFromQueue(clerk, 'to_return', code);
		await startAction(clerk.page, 'Trả kết quả');
		await confirmAction(clerk.page, 'Đã trả kết quả');
		const steps = clerk.page.getByTestId('steps').locator('tbody tr');
		assert.equal(await steps.count(), 6, 'receiving, appraisal, approval, appraisal again, approval, returning');
		const history = await clerk.page.getByTestId('history').innerText();
		for (const line of ['Nộp hồ sơ trực tuyến', 'Tiếp nhận hồ sơ', 'Đề nghị nộp phí, lệ phí', 'Ghi nhận nộp phí, lệ phí', 'Chuyển xử lý', 'Trình phê duyệt', 'Trả lại bước trước', 'Phê duyệt', 'Trả kết quả'])
			assert.ok(history.includes(line), `history has "${line}"`);
		for (const who of ['Hoàng Thị Mai Anh', 'Vũ Đình Quý', 'Đặng Văn Thắng']) assert.ok(history.includes(who), `history names ${who}`);
		await clerk.page.getByTestId('documents').getByRole('link', { name: /Mẫu 06/ }).waitFor();
		assert.deepEqual(await clerk.page.getByRole('button', { name: 'Trả kết quả', exact: true }).count(), 0, 'no action left');
		await checkPage(clerk.page, clerk.errors, 'desk-10-returned');
		assert.ok((await documentsOf(clerk, id)).includes('06'));
		finish(...sessions);
	} finally {
		for (const s of sessions) await s.context.close();
		await applicant.close();
	}
});

test('a supplement request lists every item once, with the reason', { timeout: 120_000 }, async () => {
	const applicant = await citizen();
	let clerk;
	try {
		const { id, code } = await applicant.submit('Để làm thủ tục nhận con nuôi');
		clerk = await desk('hacthanh.motcua');
		await openFromQueue(clerk, 'to_receive', code);
		const { page, errors } = clerk;
		await startAction(page, 'Yêu cầu bổ sung');
		// Sent without a reason: the summary and the field say so, nothing is sent.
		await page.locator('#act-items').fill('Bản sao giấy khai sinh\nGiấy xác nhận nơi cư trú');
		await page.getByTestId('action-form').getByRole('button', { name: /^Xác nhận/ }).click();
		const summary = page.getByRole('alert').filter({ hasText: 'Có lỗi cần sửa' });
		await summary.getByRole('link', { name: 'Vui lòng nêu lý do' }).click();
		assert.equal(await focusedId(page), 'act-reason', 'the summary link focuses the field');
		await page.locator('#act-reason-err').waitFor();
		await page.getByText('2 giấy tờ').waitFor();
		await checkPage(page, errors, 'desk-11-supplement-errors');
		await page.locator('#act-reason').fill('Hồ sơ chưa có giấy tờ chứng minh nơi cư trú');
		await confirmAction(page, 'Chờ bổ sung');
		const history = page.getByTestId('history');
		await history.getByText('Bản sao giấy khai sinh').waitFor();
		await history.getByText('Giấy xác nhận nơi cư trú').waitFor();
		await history.getByText('Lý do: Hồ sơ chưa có giấy tờ chứng minh nơi cư trú').waitFor();
		await page.getByTestId('time-left').getByText('Chưa tính thời hạn').waitFor();
		await page.getByTestId('documents').getByRole('link', { name: /Mẫu 02/ }).waitFor();
		await checkPage(page, errors, 'desk-12-supplement-requested');
		assert.ok((await documentsOf(clerk, id)).includes('02'));
		// It waits in the clerk's supplement queue.
		await page.goto(`${BASE_URL}/mot-cua?hang-doi=awaiting_supplement&tim=${encodeURIComponent(code)}`);
		await page.getByTestId(`row-${code}`).getByText('Tạm dừng').waitFor();
		await checkPage(page, errors, 'desk-13-queue-supplement');
		finish(clerk);
	} finally {
		await clerk?.context.close();
		await applicant.close();
	}
});

test('an apology moves the appointment once, to a later date', { timeout: 120_000 }, async () => {
	const applicant = await citizen();
	let clerk;
	try {
		const { id, code } = await applicant.submit('Để bổ sung hồ sơ đi học');
		clerk = await desk('hacthanh.motcua');
		const { page, errors, context } = clerk;
		await openFromQueue(clerk, 'to_receive', code);
		await startAction(page, 'Tiếp nhận hồ sơ');
		await confirmAction(page, 'Đã tiếp nhận');
		const before = await (await context.request.get(`${BASE_URL}/api/v1/dossiers/${id}`)).json();
		// Ten days after the appointment, typed dd/mm/yyyy.
		const later = new Date(new Date(before.due_at).getTime() + 10 * 86_400_000 + 7 * 3_600_000);
		const day = later.toISOString().slice(0, 10);
		const typed = day.split('-').reverse().join('/');
		await startAction(page, 'Xin lỗi, hẹn lại ngày trả');
		await page.locator('#act-new-day').fill(typed);
		await page.locator('#act-new-time').fill('16:30');
		await page.locator('#act-reason').fill('Cần xác minh thêm thông tin tại nơi cư trú trước đây');
		await checkPage(page, errors, 'desk-14-apology');
		await confirmAction(page, 'Đã tiếp nhận');
		await page.getByText(`16:30 ${typed}`).first().waitFor();
		await page.getByText(/hẹn ban đầu/).waitFor();
		await page.getByTestId('history').getByText('Xin lỗi và hẹn lại ngày trả kết quả').waitFor();
		await page.getByTestId('documents').getByRole('link', { name: /Mẫu 04/ }).waitFor();
		assert.equal(await page.getByRole('button', { name: 'Xin lỗi, hẹn lại ngày trả' }).count(), 0, 'the date moves at most once');
		const after = await (await context.request.get(`${BASE_URL}/api/v1/dossiers/${id}`)).json();
		assert.equal(after.original_due_at, before.due_at);
		assert.equal(new Date(after.due_at).getTime(), new Date(`${day}T16:30:00+07:00`).getTime());
		await checkPage(page, errors, 'desk-15-apologised');
		assert.ok((await documentsOf(clerk, id)).includes('04'));
		finish(clerk);
	} finally {
		await clerk?.context.close();
		await applicant.close();
	}
});

test('a refusal with its reason ends the dossier', { timeout: 120_000 }, async () => {
	const applicant = await citizen();
	let clerk;
	try {
		const { id, code } = await applicant.submit('Để đi lao động nước ngoài');
		clerk = await desk('hacthanh.motcua');
		const { page, errors } = clerk;
		await openFromQueue(clerk, 'to_receive', code);
		await startAction(page, 'Từ chối tiếp nhận');
		await page.locator('#act-reason').fill('Người yêu cầu không cư trú trên địa bàn phường Hạc Thành');
		await checkPage(page, errors, 'desk-16-refuse');
		await confirmAction(page, 'Không được tiếp nhận');
		await page.getByText('Bạn không có thao tác nào với hồ sơ ở trạng thái này.').waitFor();
		await page.getByTestId('history').getByText('Lý do: Người yêu cầu không cư trú trên địa bàn phường Hạc Thành').waitFor();
		await page.getByTestId('documents').getByRole('link', { name: /Mẫu 03/ }).waitFor();
		await checkPage(page, errors, 'desk-17-refused');
		assert.ok((await documentsOf(clerk, id)).includes('03'));
		finish(clerk);
	} finally {
		await clerk?.context.close();
		await applicant.close();
	}
});

test('two clerks on one dossier: the second is told in Vietnamese and keeps what they typed', { timeout: 150_000 }, async () => {
	const applicant = await citizen();
	const sessions = [];
	try {
		const { code } = await applicant.submit('Để làm thủ tục mua bán nhà đất');
		// Two desks (two browser contexts) open the same new dossier.
		const first = await desk('hacthanh.motcua');
		const second = await desk('hacthanh.motcua', {
			expected: (url, status) => status === 409 && /\/api\/v1\/dossiers\/[0-9a-f-]{36}\/actions$/.test(url)
		});
		sessions.push(first, second);
		await openFromQueue(first, 'to_receive', code);
		await openFromQueue(second, 'to_receive', code);

		// The second starts a supplement request and types it.
		const items = 'Bản sao giấy chứng nhận quyền sử dụng đất\nGiấy xác nhận tình trạng hôn nhân lần trước';
		const reason = 'Thiếu giấy tờ về tài sản chung';
		await startAction(second.page, 'Yêu cầu bổ sung');
		await second.page.locator('#act-items').fill(items);
		await second.page.locator('#act-reason').fill(reason);

		// Meanwhile the first accepts the dossier.
		await startAction(first.page, 'Tiếp nhận hồ sơ');
		await confirmAction(first.page, 'Đã tiếp nhận');

		// The second sends: the conflict, in Vietnamese; nothing typed is lost.
		await second.page.getByTestId('action-form').getByRole('button', { name: /^Xác nhận/ }).click();
		const alert = second.page.getByTestId('conflict');
		await alert.getByText(CONFLICT).waitFor();
		assert.equal(await second.page.locator('#act-items').inputValue(), items);
		assert.equal(await second.page.locator('#act-reason').inputValue(), reason);
		assert.equal(await focusedId(second.page), 'conflict-reload', 'the reload button takes the focus');
		await checkPage(second.page, second.errors, 'desk-18-conflict');

		// Reloading shows the accepted dossier and still keeps the typed request; sending it now works.
		await second.page.locator('#conflict-reload').click();
		await second.page.getByTestId('dossier-state').getByText('Đã tiếp nhận', { exact: true }).waitFor();
		await second.page.getByText('Đã tải lại hồ sơ. Nội dung bạn đã nhập vẫn còn').waitFor();
		assert.equal(await second.page.locator('#act-items').inputValue(), items);
		assert.equal(await second.page.locator('#act-reason').inputValue(), reason);
		await confirmAction(second.page, 'Chờ bổ sung');
		await second.page.getByTestId('history').getByText('Bản sao giấy chứng nhận quyền sử dụng đất').waitFor();
		await checkPage(second.page, second.errors, 'desk-19-after-conflict');
		finish(first, second);
	} finally {
		for (const s of sessions) await s.context.close();
		await applicant.close();
	}
});

test('a session that ends while typing: signed in again in a new tab, the typed request is sent', { timeout: 120_000 }, async () => {
	const applicant = await citizen();
	let clerk;
	try {
		const { code } = await applicant.submit('Để làm thủ tục thừa kế');
		clerk = await desk('hacthanh.motcua', {
			expected: (url, status) => status === 401 && /\/api\/v1\/dossiers\/[0-9a-f-]{36}\/actions$/.test(url)
		});
		const { page, errors, context } = clerk;
		await openFromQueue(clerk, 'to_receive', code);
		await startAction(page, 'Yêu cầu bổ sung');
		await page.locator('#act-items').fill('Bản sao giấy chứng tử của người để lại di sản');
		await page.locator('#act-reason').fill('Thiếu giấy tờ chứng minh quan hệ thừa kế');
		// The session ends on the server (as after 30 idle minutes) while the clerk types.
		const out = await context.request.post(`${BASE_URL}/api/v1/auth/logout`, { headers: clerk.headers });
		assert.equal(out.status(), 200);
		await page.getByTestId('action-form').getByRole('button', { name: /^Xác nhận/ }).click();
		const banner = page.getByRole('alert').filter({ hasText: 'Phiên đăng nhập đã kết thúc' });
		await banner.waitFor();
		await page.getByText('Bạn cần đăng nhập để tiếp tục.').first().waitFor();
		assert.equal(await page.locator('#act-reason').inputValue(), 'Thiếu giấy tờ chứng minh quan hệ thừa kế');
		await checkPage(page, errors, 'desk-20-signed-out');
		// Signing in again in a new tab (the provider still knows the clerk) leaves this page as it was.
		const [tab] = await Promise.all([context.waitForEvent('page'), banner.getByRole('link', { name: /Đăng nhập lại/ }).click()]);
		await tab.waitForURL(`${BASE_URL}/mot-cua/da-dang-nhap`);
		await tab.getByRole('heading', { name: 'Đã đăng nhập lại' }).waitFor();
		await tab.close();
		await banner.getByRole('button', { name: 'Tôi đã đăng nhập lại' }).click();
		await banner.waitFor({ state: 'detached' });
		await confirmAction(page, 'Chờ bổ sung');
		await page.getByTestId('history').getByText('Bản sao giấy chứng tử của người để lại di sản').waitFor();
		finish(clerk);
	} finally {
		await clerk?.context.close();
		await applicant.close();
	}
});

test('administration: units, staff, working hours, the calendar and a procedure, with field errors', { timeout: 180_000 }, async () => {
	const sessions = [];
	try {
		// The ward's administrator: units and staff.
		const admin = await desk('hacthanh.quantri', { expected: (url, status) => status === 422 && /\/api\/v1\/agencies\/[0-9a-f-]{36}\/(staff|working-hours)$/.test(url) });
		sessions.push(admin);
		const { page, errors } = admin;
		await page.getByRole('navigation', { name: 'Bàn làm việc' }).getByRole('link', { name: 'Quản trị' }).click();
		await page.getByTestId('units').getByRole('cell', { name: 'Bộ phận Một cửa' }).first().waitFor();
		await page.getByTestId('staff').getByRole('button', { name: 'Sửa vai trò của Hoàng Thị Mai Anh' }).waitFor();
		await checkPage(page, errors, 'desk-21-admin');
		await page.getByRole('button', { name: 'Thêm đơn vị' }).click();
		await page.locator('#un-name-err').getByText('Vui lòng nhập tên đơn vị').waitFor();
		const unit = `Tổ kiểm tra hồ sơ ${Date.now().toString(36)}`;
		await page.locator('#un-name').fill(unit);
		await page.locator('#un-kind').selectOption('other');
		await page.getByRole('button', { name: 'Thêm đơn vị' }).click();
		await page.getByTestId('units').getByText(unit).waitFor();
		await page.getByText(`Đã thêm đơn vị ${unit}.`).waitFor();
		// A new member of staff: no role is caught on the page; a user name with a space by the API, beside the field.
		await page.locator('#st-username').fill('hacthanh thu viec');
		await page.locator('#st-full_name').fill('Lý Thị Thử Việc');
		await page.getByRole('button', { name: 'Tạo tài khoản cán bộ' }).click();
		await page.locator('#st-unit-0-err, #st-roles-err').first().waitFor();
		await page.locator('#st-unit-0').selectOption({ label: 'Bộ phận Một cửa' });
		await page.locator('#st-role-0').selectOption('clerk');
		await page.getByRole('button', { name: 'Tạo tài khoản cán bộ' }).click();
		await page.locator('#st-username-err').getByText('Tên đăng nhập: Giá trị không đúng định dạng').waitFor();
		await page.getByRole('alert').filter({ hasText: 'Có lỗi cần sửa' }).getByRole('link', { name: /Tên đăng nhập/ }).waitFor();
		await checkPage(page, errors, 'desk-22-admin-errors');

		// Working hours: a time that is not hh:mm, then hours the server finds inconsistent.
		await page.getByRole('navigation', { name: 'Quản trị' }).getByRole('link', { name: 'Giờ làm việc và ngày nghỉ' }).click();
		await page.locator('#wh-morning_start').fill('7h30');
		await page.getByRole('button', { name: 'Lưu giờ làm việc' }).click();
		await page.locator('#wh-morning_start-err').getByText(/hh:mm/).waitFor();
		await page.locator('#wh-morning_start').fill('12:00');
		await page.getByRole('button', { name: 'Lưu giờ làm việc' }).click();
		await page.getByRole('alert').filter({ hasText: 'Có lỗi cần sửa' }).getByText(/Giờ làm việc không hợp lệ/).waitFor();
		await checkPage(page, errors, 'desk-23-working-hours');

		// The province's system administrator edits the holiday calendar.
		const sys = await desk('tinh.quantri', { expected: (url, status) => status === 422 && url.endsWith('/api/v1/calendar/days/2027-12-29') });
		sessions.push(sys);
		await sys.page.goto(`${BASE_URL}/mot-cua/quan-tri/lich`);
		await waitForApp(sys.page, sys.errors);
		await sys.page.getByTestId('calendar-days').locator('tbody tr').first().waitFor();
		// A Wednesday cannot be a swapped working day (the API says so beside the field).
		await sys.page.locator('#cd-day').fill('29/12/2027');
		await sys.page.locator('#cd-kind').selectOption('working_day');
		await sys.page.locator('#cd-name').fill('Ngày nghỉ thử nghiệm của bàn làm việc');
		await sys.page.getByRole('button', { name: 'Lưu ngày' }).click();
		await sys.page.locator('#cd-kind-err').getByText('Chỉ thứ Bảy hoặc Chủ nhật').waitFor();
		await checkPage(sys.page, sys.errors, 'desk-24-calendar-error');
		await sys.page.locator('#cd-kind').selectOption('day_off');
		await sys.page.getByRole('button', { name: 'Lưu ngày' }).click();
		const row = sys.page.getByTestId('calendar-days').locator('tr', { hasText: '29/12/2027' });
		await row.getByText('Ngày nghỉ thử nghiệm của bàn làm việc').waitFor();
		await row.getByRole('button', { name: 'Bỏ ngày 29/12/2027' }).click();
		await sys.page.getByText('Đã bỏ ngày 29/12/2027').waitFor();
		assert.equal(await sys.page.getByTestId('calendar-days').locator('tr', { hasText: '29/12/2027' }).count(), 0);

		// The Department of Justice's administrator edits one of its procedures: the workflow no longer
		// adds up and a field key is invalid; both errors beside their fields and in the summary; put back, it publishes.
		const stp = await desk('stp.quantri', { expected: (url, status) => status === 422 && url.endsWith('/api/v1/procedures/2.000488') });
		sessions.push(stp);
		await stp.page.goto(`${BASE_URL}/mot-cua/quan-tri/thu-tuc`);
		await waitForApp(stp.page, stp.errors);
		const procLink = stp.page.getByTestId('procedures').getByRole('link', { name: /Cấp Phiếu lý lịch tư pháp/ });
		await procLink.waitFor();
		await checkPage(stp.page, stp.errors, 'desk-25-procedures');
		await procLink.click();
		await stp.page.locator('#p-workflow-1-hours').waitFor();
		const hours = await stp.page.locator('#p-workflow-1-hours').inputValue();
		const key = await stp.page.locator('#p-form-fields-0-key').inputValue();
		await stp.page.locator('#p-workflow-1-hours').fill(String(Number(hours) + 1));
		await stp.page.getByTestId('workflow-total').getByText(/chênh 1 giờ/).waitFor();
		await stp.page.locator('#p-form-fields-0-key').fill('Họ tên');
		await stp.page.getByRole('button', { name: 'Lưu và công bố phiên bản mới' }).click();
		const errSummary = stp.page.getByRole('alert').filter({ hasText: 'Thủ tục chưa lưu được' });
		await errSummary.getByText(/Tổng số giờ của các bước phải bằng thời hạn giải quyết/).waitFor();
		await errSummary.getByText(/Trường tờ khai 1, mã trường/).waitFor();
		await stp.page.locator('#p-workflow-err').waitFor();
		await stp.page.locator('#p-form-fields-0-key-err').waitFor();
		await checkPage(stp.page, stp.errors, 'desk-26-procedure-errors');
		await stp.page.locator('#p-workflow-1-hours').fill(hours);
		await stp.page.locator('#p-form-fields-0-key').fill(key);
		await stp.page.getByRole('button', { name: 'Lưu và công bố phiên bản mới' }).click();
		await stp.page.locator('#proc-notice').getByText(/Đã công bố phiên bản mới/).waitFor();
		finish(...sessions);
	} finally {
		for (const s of sessions) await s.context.close();
	}
});

test('national dead letters: a rejected message corrected and replayed by the system administrator', { timeout: 180_000 }, async () => {
	const applicant = await citizen();
	const sessions = [];
	const simContext = await browser.newContext();
	const sim = simContext.request;
	try {
		const { id, code } = await applicant.submit('Để làm hồ sơ du học');
		// From now on the portal stand-in rejects this dossier's messages.
		const on = await sim.put(`${SIM_URL}/_sim/portal/settings`, {
			data: { reject: { MaHoSo: code, error_code: '12', message: 'Mã TTHC không tồn tại' } }
		});
		assert.equal(on.status(), 204);
		const clerk = await desk('hacthanh.motcua');
		sessions.push(clerk);
		const d = await (await clerk.context.request.get(`${BASE_URL}/api/v1/dossiers/${id}`)).json();
		const acc = await clerk.context.request.post(`${BASE_URL}/api/v1/dossiers/${id}/actions`, {
			headers: { ...clerk.headers, 'Idempotency-Key': crypto.randomUUID() },
			data: { action: 'accept', expected_version: d.version }
		});
		assert.equal(acc.status(), 200, await acc.text());

		const sys = await desk('tinh.quantri', { expected: (url, status) => status === 422 && /\/api\/v1\/admin\/outbox\/\d+\/payload$/.test(url) });
		sessions.push(sys);
		const { page, errors } = sys;
		await page.getByRole('navigation', { name: 'Bàn làm việc' }).getByRole('link', { name: 'Đồng bộ quốc gia' }).click();
		await page.locator('#ob-code').fill(code);
		const item = page.getByTestId('outbox').locator('li', { hasText: code }).first();
		// The relay delivers within seconds; the rejection makes a dead letter at once.
		for (let i = 0; i < 30 && !(await item.isVisible()); i++) {
			await page.getByRole('button', { name: 'Lọc' }).click();
			await page.waitForTimeout(1000);
		}
		await item.getByText('Lý do từ chối').waitFor();
		await checkPage(page, errors, 'desk-27-dead-letters');
		// The portal accepts again; the administrator first tries to change the code (refused beside the
		// payload), then saves the payload as it should be and replays.
		assert.equal((await sim.delete(`${SIM_URL}/_sim/portal/settings`)).status(), 204);
		await item.getByRole('button', { name: /^Sửa nội dung và gửi lại/ }).click();
		const box = item.locator('textarea');
		const original = await box.inputValue();
		await box.fill(original.replaceAll(code, `${code}-SAI`));
		await item.getByRole('button', { name: 'Lưu nội dung và gửi lại' }).click();
		await item.getByText(/MaHoSo: Không được thay đổi giá trị này/).first().waitFor();
		await checkPage(page, errors, 'desk-28-dead-letter-error');
		await box.fill(original);
		await item.getByRole('button', { name: 'Lưu nội dung và gửi lại' }).click();
		await page.locator('#ob-notice').getByText(`hồ sơ ${code} vào hàng đợi gửi lại`).waitFor();
		// The dossier's later messages waited behind this one: none of them is dead.
		const dead = await sys.context.request.get(`${BASE_URL}/api/v1/admin/outbox?status=dead&code=${encodeURIComponent(code)}`);
		assert.deepEqual(await dead.json(), [], 'no dead letter left for the dossier');
		finish(...sessions);
	} finally {
		await sim.delete(`${SIM_URL}/_sim/portal/settings`);
		await simContext.close();
		for (const s of sessions) await s.context.close();
		await applicant.close();
	}
});
