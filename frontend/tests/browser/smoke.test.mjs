// Browser smoke test: real Chromium (Debian's /usr/bin/chromium), no internet.
//
//   BASE_URL=http://127.0.0.1:8080 [ARTIFACTS_DIR=../target/artifacts] npm run test:browser
//
// Every request to a host other than 127.0.0.1/localhost is aborted and
// recorded; a test fails if its page tried to load anything from outside.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const BASE_URL = (process.env.BASE_URL ?? '').replace(/\/+$/, '');
if (!BASE_URL) {
	throw new Error(
		'BASE_URL is required, e.g. BASE_URL=http://127.0.0.1:8080 npm run test:browser'
	);
}
const ARTIFACTS_DIR = resolve(process.env.ARTIFACTS_DIR ?? '../target/artifacts');
const SCREENSHOTS = join(ARTIFACTS_DIR, 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TIMEOUT = 15_000;

const HOME_TITLE = 'Cổng Dịch vụ công — Hệ thống giải quyết thủ tục hành chính';
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
	await mkdir(SCREENSHOTS, { recursive: true });
	browser = await chromium.launch({
		executablePath: CHROMIUM,
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
});

after(async () => {
	await browser?.close();
});

/**
 * A fresh context and page that only reach localhost, collecting console
 * errors (CSP violations included), uncaught exceptions and blocked requests.
 * @param {{ width: number, height: number }} viewport
 */
async function openPage(viewport) {
	const context = await browser.newContext({ viewport, locale: 'vi-VN' });
	context.setDefaultTimeout(TIMEOUT);
	context.setDefaultNavigationTimeout(TIMEOUT);

	/** @type {string[]} */
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

	// Report CSP violations explicitly too (Chromium also logs them as console errors).
	await context.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			console.error(
				`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} ` +
					`at ${e.sourceFile}:${e.lineNumber}`
			);
		});
	});

	const page = await context.newPage();
	/** @type {string[]} */
	const errors = [];
	page.on('console', (msg) => {
		if (msg.type() === 'error') {
			const loc = msg.location();
			errors.push(`console.error: ${msg.text()}${loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
		}
	});
	page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
	page.on('response', (res) => {
		if (res.status() >= 400) errors.push(`HTTP ${res.status()} for ${res.url()}`);
	});

	return { context, page, errors, blocked };
}

/** @param {string[]} list @param {string} what */
function assertNone(list, what) {
	assert.deepEqual(list, [], `${what}:\n  ${list.join('\n  ')}`);
}

/**
 * Wait until SvelteKit's client has started (the root layout sets
 * <html data-app-ready> on mount); on timeout, say why, e.g. a CSP block.
 * @param {import('playwright-core').Page} page @param {string[]} errors
 */
async function waitForApp(page, errors) {
	try {
		await page.waitForSelector('html[data-app-ready]', { state: 'attached' });
	} catch {
		assert.fail(
			`the SvelteKit client did not start within ${TIMEOUT / 1000} s on ${page.url()} ` +
				`(is the inline bootstrap script blocked by a CSP header with default-src/script-src?)` +
				(errors.length ? `\n  ${errors.join('\n  ')}` : '')
		);
	}
}

test('home page: Vietnamese title and heading, CSP-clean, accessible, offline', { timeout: 90_000 }, async () => {
	const { context, page, errors, blocked } = await openPage({ width: 360, height: 740 });
	try {
		const res = await page.goto(`${BASE_URL}/`, { waitUntil: 'load' });
		assert.ok(res, 'no response for /');
		assert.equal(res.status(), 200, `GET / returned HTTP ${res.status()}`);

		// SvelteKit's inline bootstrap ran (i.e. the CSP allowed it) and hydrated the page.
		await waitForApp(page, errors);

		assert.equal(await page.title(), HOME_TITLE);
		assert.equal(await page.locator('html').getAttribute('lang'), 'vi');

		const h1 = page.locator('h1');
		await h1.waitFor({ state: 'visible' });
		const heading = (await h1.innerText()).trim();
		assert.match(heading, /^Cổng Dịch vụ công/, `unexpected h1: ${JSON.stringify(heading)}`);
		assert.equal(heading, heading.normalize('NFC'), 'h1 text is not NFC');

		// Search form works without JavaScript: GET /thu-tuc?q=…
		const search = page.getByLabel('Tìm thủ tục hành chính');
		assert.equal(await search.getAttribute('name'), 'q');
		assert.equal(await search.getAttribute('placeholder'), 'Tìm thủ tục hành chính…');
		const form = page.locator('form[role="search"]');
		assert.equal(await form.getAttribute('method'), 'get');
		assert.equal(await form.getAttribute('action'), '/thu-tuc');
		for (const [name, href] of [
			['Tra cứu hồ sơ', '/tra-cuu'],
			['Đăng nhập', '/dang-nhap'],
			['Dành cho cán bộ', '/mot-cua']
		]) {
			const link = page.getByRole('link', { name, exact: true }).first();
			assert.equal(await link.getAttribute('href'), href, `link "${name}"`);
		}
		await page.getByText('motcua — phần mềm mã nguồn mở').waitFor({ state: 'visible' });

		const axe = await new AxeBuilder({ page }).analyze();
		const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
		assertNone(
			bad.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
			'axe found serious/critical violations'
		);

		await page.screenshot({ path: join(SCREENSHOTS, 'home-360.png'), fullPage: true });
		await page.setViewportSize({ width: 1280, height: 800 });
		await page.screenshot({ path: join(SCREENSHOTS, 'home-1280.png'), fullPage: true });

		assertNone(errors, 'console errors on /');
		assertNone(blocked, 'requests to non-local hosts');
	} finally {
		await context.close();
	}
});

test('unknown path: 200.html fallback renders the Vietnamese not-found page, CSP-clean', { timeout: 60_000 }, async () => {
	const { context, page, errors, blocked } = await openPage({ width: 360, height: 740 });
	try {
		const res = await page.goto(`${BASE_URL}/khong-co-trang-nay`, { waitUntil: 'load' });
		assert.ok(res, 'no response');
		assert.match(
			res.headers()['content-type'] ?? '',
			/^text\/html/,
			'a browser navigation to an unknown path must get the 200.html fallback'
		);
		await waitForApp(page, errors);
		await page.getByRole('heading', { level: 1, name: 'Không tìm thấy trang' }).waitFor();
		// The server may answer the fallback itself with 200 or 404; either is fine.
		const pageErrors = errors.filter((e) => e !== `HTTP 404 for ${BASE_URL}/khong-co-trang-nay`);
		assertNone(pageErrors, 'console errors on the fallback page');
		assertNone(blocked, 'requests to non-local hosts');
	} finally {
		await context.close();
	}
});

test('payment return page: where the payment platform sends the payer back, axe-clean on a phone', { timeout: 60_000 }, async () => {
	const { context, page, errors, blocked } = await openPage({ width: 360, height: 740 });
	try {
		const res = await page.goto(`${BASE_URL}/thanh-toan/ket-qua?ma=MC20261123100000123456`, { waitUntil: 'load' });
		assert.ok(res && res.status() < 400, `HTTP ${res?.status()}`);
		await waitForApp(page, errors);
		await page.getByRole('heading', { level: 1, name: 'Kết quả thanh toán' }).waitFor();
		const link = page.getByRole('link', { name: 'Xem tình trạng hồ sơ' });
		assert.equal(await link.getAttribute('href'), '/tra-cuu');
		const axe = await new AxeBuilder({ page }).analyze();
		const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
		assertNone(
			bad.map((v) => `${v.impact} ${v.id}: ${v.help}`),
			'axe found serious/critical violations'
		);
		assertNone(errors, 'console errors on the payment return page');
		assertNone(blocked, 'requests to non-local hosts');
	} finally {
		await context.close();
	}
});

test('API docs: Swagger UI renders offline at /api-docs/', { timeout: 60_000 }, async () => {
	const { context, page, errors, blocked } = await openPage({ width: 1280, height: 800 });
	try {
		const url = `${BASE_URL}/api-docs/`;
		const res = await page.goto(url, { waitUntil: 'load' });
		assert.ok(res, `no response for ${url}`);
		assert.ok(res.status() < 400, `GET ${url} returned HTTP ${res.status()}`);

		const title = page.locator('.swagger-ui .info .title');
		try {
			await title.waitFor({ state: 'visible', timeout: TIMEOUT });
		} catch {
			assert.fail(
				`Swagger UI did not render at ${url} within ${TIMEOUT / 1000} s ` +
					`(no ".swagger-ui .info .title"; page title ${JSON.stringify(await page.title())}). ` +
					`Is the backend serving Swagger UI there?` +
					(errors.length ? `\n  ${errors.join('\n  ')}` : '') +
					(blocked.length ? `\n  blocked: ${blocked.join(', ')}` : '')
			);
		}
		const text = await title.innerText();
		assert.match(text, /motcua/i, `Swagger UI title is ${JSON.stringify(text)}`);

		await page.screenshot({ path: join(SCREENSHOTS, 'api-docs-1280.png'), fullPage: false });

		assertNone(errors, `console errors on ${url}`);
		assertNone(blocked, 'requests to non-local hosts (Swagger UI must be fully offline)');
	} finally {
		await context.close();
	}
});
