import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({
			pages: 'build',
			assets: 'build',
			// The backend serves build/ and answers browser navigations to
			// unknown paths with 200.html (client-side routing takes over).
			fallback: '200.html',
			precompress: false,
			strict: true
		}),
		prerender: {
			// /auth/... (sign-in) and /api/... are the backend's, not pages to prerender.
			handleHttpError: ({ path, message }) => {
				if (path.startsWith('/auth/') || path.startsWith('/api/')) return;
				throw new Error(message);
			}
		},
		paths: {
			// Absolute /_app/... URLs so that 200.html works at any depth.
			relative: false
		},
		// The backend sends a CSP *header* for HTML pages that has neither
		// default-src nor script-src; the script policy lives here. In 'hash'
		// mode SvelteKit puts a <meta http-equiv="content-security-policy">
		// with the sha256 of its inline bootstrap script into every
		// prerendered page and into the 200.html fallback.
		csp: {
			mode: 'hash',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self']
			}
		}
	}
};

export default config;
