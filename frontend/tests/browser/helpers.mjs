// Shared helpers of the browser tests: Debian's Chromium through playwright-core, localhost only,
// console errors and failed responses collected per page, axe checks and screenshots.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const TIMEOUT = 15_000;
export const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
export const ARTIFACTS_DIR = resolve(process.env.ARTIFACTS_DIR ?? '../target/artifacts');
export const SCREENSHOTS = join(ARTIFACTS_DIR, 'screenshots');

export function requireEnv(name, example) {
	const v = (process.env[name] ?? '').replace(/\/+$/, '');
	if (!v) throw new Error(`${name} is required, e.g. ${name}=${example}`);
	return v;
}

export async function launch() {
	await mkdir(SCREENSHOTS, { recursive: true });
	return chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		headless: true,
		timeout: 30_000,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync'
		]
	});
}

/**
 * A fresh context and page that only reach localhost, collecting console errors (CSP violations
 * included), uncaught exceptions, HTTP errors and blocked requests. `only` limits the collection to
 * URLs under that origin (pages of other systems are not ours to judge); `expected(url, status)`
 * says which failed responses are part of the API contract (e.g. "not rated yet" is a 404).
 * @param {import('playwright-core').Browser} browser
 * @param {{ width: number, height: number }} viewport
 * @param {{ only?: string, expected?: (url: string, status: number) => boolean }} [opts]
 */
export async function openPage(browser, viewport, opts = {}) {
	const context = await browser.newContext({ viewport, locale: 'vi-VN', acceptDownloads: true });
	context.setDefaultTimeout(TIMEOUT);
	context.setDefaultNavigationTimeout(TIMEOUT);
	const blocked = [];
	await context.route('**/*', (route) => {
		const url = new URL(route.request().url());
		const isHttp = url.protocol === 'http:' || url.protocol === 'https:';
		if (isHttp && !LOCAL_HOSTS.has(url.hostname)) {
			blocked.push(url.href);
			return route.abort('blockedbyclient');
		}
		return route.continue();
	});
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			console.error(
				`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`
			);
		});
	});
	const page = await context.newPage();
	const errors = [];
	const ours = (url) => !opts.only || (url ?? '').startsWith(opts.only);
	const expectedUrls = new Set();
	page.on('response', (res) => {
		if (res.status() < 400 || !ours(res.url())) return;
		if (opts.expected?.(res.url(), res.status())) {
			expectedUrls.add(res.url());
			return;
		}
		errors.push(`HTTP ${res.status()} for ${res.request().method()} ${res.url()}`);
	});
	page.on('console', (msg) => {
		if (msg.type() !== 'error') return;
		const loc = msg.location();
		if (!ours(page.url()) && !ours(loc.url)) return;
		// Chromium logs every failed response as "Failed to load resource"; expected ones are fine.
		if (/Failed to load resource/.test(msg.text()) && (expectedUrls.has(loc.url) || !ours(loc.url))) return;
		if (/Failed to load resource/.test(msg.text()) && opts.expected?.(loc.url, 404)) return;
		errors.push(`console.error: ${msg.text()}${loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
	});
	page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
	return { context, page, errors, blocked };
}

export function assertNone(list, what) {
	assert.deepEqual(list, [], `${what}:\n  ${list.join('\n  ')}`);
}

/** Wait until SvelteKit's client has started (the root layout sets <html data-app-ready>). */
export async function waitForApp(page, errors) {
	try {
		await page.waitForSelector('html[data-app-ready]', { state: 'attached' });
	} catch {
		assert.fail(
			`the SvelteKit client did not start within ${TIMEOUT / 1000} s on ${page.url()}` +
				(errors.length ? `\n  ${errors.join('\n  ')}` : '')
		);
	}
}

/** No serious or critical axe violations on the page as it is now. */
export async function assertAxe(page, where) {
	const axe = await new AxeBuilder({ page }).analyze();
	const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	assertNone(
		bad.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
		`axe found serious/critical violations on ${where} (${page.url()})`
	);
}

/** Screenshots at the current (phone) width and at 1280 px, then back. */
export async function screenshots(page, name) {
	const vp = page.viewportSize();
	await page.screenshot({ path: join(SCREENSHOTS, `${name}-360.png`), fullPage: true });
	await page.setViewportSize({ width: 1280, height: 800 });
	await page.screenshot({ path: join(SCREENSHOTS, `${name}-1280.png`), fullPage: true });
	if (vp) await page.setViewportSize(vp);
}

/** A tiny valid PDF (header, one empty page, xref, trailer, %%EOF). */
export function tinyPdf(text = 'motcua test') {
	const objs = [
		'<< /Type /Catalog /Pages 2 0 R >>',
		'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
		'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>',
		null
	];
	const stream = `BT /F1 12 Tf 20 100 Td (${text.replace(/[()\\]/g, '')}) Tj ET`;
	objs[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
	let out = '%PDF-1.4\n';
	const offsets = [];
	objs.forEach((o, i) => {
		offsets.push(out.length);
		out += `${i + 1} 0 obj\n${o}\nendobj\n`;
	});
	const xref = out.length;
	out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
	for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
	out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	return Buffer.from(out, 'latin1');
}

/** A staff member signed in through the staff identity provider, with their API headers (CSRF). */
export async function signInStaff(browser, baseUrl, username) {
	const s = await openPage(browser, { width: 1280, height: 800 }, { only: baseUrl });
	await s.page.goto(`${baseUrl}/auth/login?who=staff`);
	await s.page.getByRole('button', { name: new RegExp(username.replace(/\./g, '\\.')) }).click();
	await s.page.waitForURL((u) => u.href.startsWith(baseUrl));
	const me = await (await s.context.request.get(`${baseUrl}/api/v1/me`)).json();
	assert.equal(me.kind, 'staff', `${username} is signed in`);
	return { ...s, headers: { 'x-csrf-token': me.csrf_token } };
}

/**
 * A request for a marital status certificate (1.004873) received at the counter by `staff` (a clerk of
 * phường Hạc Thành) through the API; returns the dossier.
 */
export async function receiveAtCounter(baseUrl, staff, applicant = 'Lê Thị Hồng Nhung') {
	const up = await staff.context.request.post(`${baseUrl}/api/v1/uploads`, {
		headers: staff.headers,
		multipart: { file: { name: 'to-khai.pdf', mimeType: 'application/pdf', buffer: tinyPdf('to khai') } }
	});
	assert.equal(up.status(), 201, await up.text());
	const res = await staff.context.request.post(`${baseUrl}/api/v1/dossiers/counter`, {
		headers: { ...staff.headers, 'Idempotency-Key': crypto.randomUUID() },
		data: {
			procedure_code: '1.004873',
			applicant: { full_name: applicant, personal_id: '038195001122', phone: '0987654321' },
			form: {
				ho_ten: applicant,
				so_dinh_danh: '038195001122',
				ngay_sinh: '1995-04-12',
				gioi_tinh: 'nu',
				noi_cu_tru: { province_code: '38', commune_code: '16000', detail: 'Số 5 Lê Lợi' },
				tinh_trang: 'chua_ket_hon',
				muc_dich: 'Để đăng ký kết hôn',
				cam_doan: true
			},
			attachments: [{ upload_id: (await up.json()).id, component_code: 'TP01', checked_against_original: true }]
		}
	});
	assert.equal(res.status(), 201, await res.text());
	return res.json();
}
