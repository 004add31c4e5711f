// The JavaScript a citizen's browser may download, from the last `npm run build`, gzipped (level 9):
// for each route its own closure (SvelteKit's entry + root layout + the route's node and everything they
// import statically), and the union over every citizen route (everything outside /mot-cua, the desk).
// Prints a table; exits 1 when the union is over the budget (default 150 KB, `JS_BUDGET_KB`).
//
//   npm run build && node scripts/js-size.mjs
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const OUT = '.svelte-kit/output/client';
const manifest = JSON.parse(readFileSync(join(OUT, '.vite/manifest.json'), 'utf8'));
const app = readFileSync('.svelte-kit/generated/client-optimized/app.js', 'utf8');
const budgetKb = Number(process.env.JS_BUDGET_KB ?? 150);

// `"/route": [node, [layouts...]]` (a `~` marks nodes with a universal load).
const dictionary = {};
for (const m of app.matchAll(/"([^"]+)":\s*\[~?(\d+)(?:,\[([\d,]*)\])?/g)) {
	dictionary[m[1]] = [Number(m[2]), ...(m[3] ? m[3].split(',').filter(Boolean).map(Number) : [])];
}
if (!Object.keys(dictionary).length) throw new Error('no routes found in app.js (SvelteKit changed its output?)');

const nodeKey = (n) => `.svelte-kit/generated/client-optimized/nodes/${n}.js`;
const entryKeys = Object.keys(manifest).filter(
	(k) => k.endsWith('client/entry.js') || k === '.svelte-kit/generated/client-optimized/app.js'
);

/** Every JS file `key` loads statically, itself included. */
function closure(key, seen = new Set()) {
	const chunk = manifest[key];
	if (!chunk || seen.has(chunk.file)) return seen;
	seen.add(chunk.file);
	for (const imp of chunk.imports ?? []) closure(imp, seen);
	return seen;
}

const gz = new Map();
const size = (file) => {
	if (!gz.has(file)) gz.set(file, gzipSync(readFileSync(join(OUT, file)), { level: 9 }).length);
	return gz.get(file);
};
const kb = (bytes) => (bytes / 1024).toFixed(1);

const rows = [];
const citizen = new Set();
for (const [route, nodes] of Object.entries(dictionary)) {
	const files = new Set();
	for (const key of [...entryKeys, nodeKey(0), ...nodes.map(nodeKey)]) closure(key, files);
	const total = [...files].reduce((a, f) => a + size(f), 0);
	const isDesk = route === '/mot-cua' || route.startsWith('/mot-cua/');
	if (!isDesk) files.forEach((f) => citizen.add(f));
	rows.push({ route, total, isDesk });
}
rows.sort((a, b) => a.route.localeCompare(b.route));
console.log('route                                    JS gzipped');
for (const r of rows) console.log(`${r.route.padEnd(40)} ${kb(r.total).padStart(7)} KB${r.isDesk ? '  (desk)' : ''}`);
const union = [...citizen].reduce((a, f) => a + size(f), 0);
console.log(`\nall citizen pages together: ${kb(union)} KB gzipped in ${citizen.size} files (budget ${budgetKb} KB)`);
if (union > budgetKb * 1024) {
	console.error(`over budget by ${kb(union - budgetKb * 1024)} KB`);
	process.exit(1);
}
