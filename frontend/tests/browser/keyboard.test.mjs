// Keyboard only: a citizen who cannot use a mouse finds a procedure and opens it, and reaches the apply button —
// Tab, typing and Enter only, with the focus always visible.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNone, launch, openPage, requireEnv, waitForApp } from './helpers.mjs';

const BASE_URL = requireEnv('BASE_URL', 'http://127.0.0.1:8380');

/** @type {import('playwright-core').Browser} */
let browser;
before(async () => {
	browser = await launch();
});
after(async () => {
	await browser?.close();
});

/** Presses Tab until `matches` holds for the focused element (at most `max` times); returns its description. */
async function tabTo(page, matches, max = 40) {
	for (let i = 0; i < max; i++) {
		await page.keyboard.press('Tab');
		const focused = await page.evaluate(() => {
			const el = document.activeElement;
			if (!el) return null;
			const style = getComputedStyle(el);
			return {
				tag: el.tagName.toLowerCase(),
				id: el.id,
				text: (el.textContent ?? '').trim(),
				href: el.getAttribute('href') ?? '',
				// A visible focus indicator: an outline or a box shadow.
				visible: style.outlineStyle !== 'none' || style.boxShadow !== 'none'
			};
		});
		if (focused && matches(focused)) return focused;
	}
	throw new Error(`not reached with ${max} presses of Tab`);
}

test('keyboard only: search, open a procedure, reach the apply button', { timeout: 60_000 }, async () => {
	const { context, page, errors, blocked } = await openPage(browser, { width: 1280, height: 800 }, { only: BASE_URL });
	try {
		await page.goto(`${BASE_URL}/thu-tuc`, { waitUntil: 'load' });
		await waitForApp(page, errors);
		const input = await tabTo(page, (f) => f.id === 'tt-q');
		assert.ok(input.visible, 'the focused search box shows its focus');
		await page.keyboard.type('xac nhan tinh trang hon nhan');
		await page.keyboard.press('Enter');
		await page.waitForURL((u) => u.searchParams.get('q') === 'xac nhan tinh trang hon nhan');
		const link = await tabTo(page, (f) => f.tag === 'a' && f.href.startsWith('/thu-tuc/1.004873'));
		assert.ok(link.visible, 'the focused result link shows its focus');
		await page.keyboard.press('Enter');
		await page.getByRole('heading', { level: 1, name: 'Cấp Giấy xác nhận tình trạng hôn nhân' }).waitFor();
		const apply = await tabTo(page, (f) => f.tag === 'a' && f.text === 'Nộp hồ sơ trực tuyến');
		assert.ok(apply.visible, 'the focused apply button shows its focus');
		assertNone(errors, 'console errors');
		assertNone(blocked, 'requests to non-local hosts');
	} finally {
		await context.close();
	}
});
