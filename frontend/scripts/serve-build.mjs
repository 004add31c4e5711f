#!/usr/bin/env node
// Tiny static server for build/ that mimics how the motcua backend serves the
// frontend, for trying the build and running tests/browser without the backend:
//   /x → build/x, build/x.html, build/x/index.html; otherwise, for a browser
//   navigation (Accept: text/html), build/200.html; otherwise 404.
// HTML responses get a CSP header without default-src/script-src (those come
// from the page's own <meta> CSP, which carries the bootstrap script's hash).
//
// Usage: PORT=4173 node scripts/serve-build.mjs [dir]
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), '../../build'));
const port = Number(process.env.PORT ?? 4173);
const host = process.env.HOST ?? '127.0.0.1';

const TYPES = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.json': 'application/json',
	'.svg': 'image/svg+xml',
	'.png': 'image/png',
	'.ico': 'image/x-icon',
	'.txt': 'text/plain; charset=utf-8',
	'.webmanifest': 'application/manifest+json'
};

const HTML_CSP =
	process.env.HTML_CSP ?? "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'";

async function isFile(p) {
	try {
		return (await stat(p)).isFile();
	} catch {
		return false;
	}
}

async function resolveFile(pathname) {
	const rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
	const base = join(root, rel);
	if (base !== root && !base.startsWith(root + sep)) return null;
	for (const p of [base, `${base}.html`, join(base, 'index.html')]) {
		if (await isFile(p)) return p;
	}
	return null;
}

const server = createServer(async (req, res) => {
	try {
		const url = new URL(req.url ?? '/', 'http://localhost');
		let file = await resolveFile(url.pathname);
		let status = 200;
		if (!file && (req.headers.accept ?? '').includes('text/html')) file = join(root, '200.html');
		if (!file) {
			status = 404;
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ code: 'not_found', message: 'not found', details: [], request_id: '-' }));
			return;
		}
		const ext = extname(file);
		const headers = {
			'content-type': TYPES[ext] ?? 'application/octet-stream',
			'x-content-type-options': 'nosniff',
			'cache-control': file.includes(`${sep}_app${sep}immutable${sep}`)
				? 'public, max-age=31536000, immutable'
				: 'no-cache'
		};
		if (ext === '.html') headers['content-security-policy'] = HTML_CSP;
		res.writeHead(status, headers);
		res.end(req.method === 'HEAD' ? undefined : await readFile(file));
	} catch (err) {
		res.writeHead(500, { 'content-type': 'text/plain' });
		res.end(String(err));
	}
});

server.listen(port, host, () => {
	console.log(`serving ${root} at http://${host}:${port}/`);
});
