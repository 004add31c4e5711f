import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	build: {
		// Keep the bundle honest: no inlined base64 assets in JS.
		assetsInlineLimit: 0
	},
	test: {
		// Unit tests only; browser tests live in tests/browser and run with node --test.
		include: ['src/**/*.test.ts'],
		environment: 'node'
	}
});
