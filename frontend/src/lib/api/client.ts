/**
 * Typed client for the motcua backend.
 *
 * Types come from `schema.d.ts`, generated from the backend's OpenAPI document
 * by `npm run gen:api` (../api-spec/openapi.json). The API is same-origin:
 * the session cookie is sent automatically and no token is kept in JS.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema';

export type ApiClient = Client<paths>;

/**
 * Create a client. Pass SvelteKit's `fetch` when calling from a `load`
 * function; in components the default (global fetch) is fine.
 */
export function createApiClient(fetchImpl?: typeof globalThis.fetch): ApiClient {
	return createClient<paths>({
		// Paths in the OpenAPI document are absolute (/api/...): same origin.
		baseUrl: '',
		credentials: 'same-origin',
		headers: { Accept: 'application/json' },
		...(fetchImpl ? { fetch: fetchImpl } : {})
	});
}

/** Shared client for use in the browser. */
export const api: ApiClient = createApiClient();
