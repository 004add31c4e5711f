/**
 * The signed-in person, seen from the browser.
 *
 * The session cookie is HttpOnly, so the page cannot see it. To avoid asking
 * `GET /api/v1/me` (and getting a 401 logged in the console) on every page an
 * anonymous visitor opens, a hint in localStorage remembers that a previous
 * `/me` call succeeded; it is only a hint: `/me` stays the authority.
 */
import type { components } from './api/schema';

export type Me = components['schemas']['Me'];

const HINT = 'motcua.signed-in';

let cached: Me | null = null;

function setHint(on: boolean) {
	try {
		if (on) localStorage.setItem(HINT, '1');
		else localStorage.removeItem(HINT);
	} catch {
		/* storage disabled: no hint */
	}
}

export function hasSessionHint(): boolean {
	try {
		return localStorage.getItem(HINT) === '1';
	} catch {
		return false;
	}
}

/** `/auth/login` for a citizen, coming back to `returnTo` (a path of ours). */
export function citizenLoginUrl(returnTo: string): string {
	return `/auth/login?who=citizen&return_to=${encodeURIComponent(returnTo)}`;
}

/**
 * Who is signed in: `null` when nobody (401). With `{ask: 'if-hinted'}` the
 * API is only asked when the hint says a session may exist.
 */
export async function getMe(opts: { ifHinted?: boolean; fresh?: boolean } = {}): Promise<Me | null> {
	if (cached && !opts.fresh) return cached;
	if (opts.ifHinted && !hasSessionHint()) return null;
	const res = await fetch('/api/v1/me', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
	if (res.status === 401) {
		setHint(false);
		cached = null;
		return null;
	}
	if (!res.ok) throw await errorBody(res);
	cached = (await res.json()) as Me;
	setHint(true);
	window.dispatchEvent(new CustomEvent('motcua:me'));
	return cached;
}

export function forgetMe() {
	cached = null;
	setHint(false);
}

/** The error code a status stands for, when the body cannot be read. */
export function codeForStatus(status: number): string {
	const m: Record<number, string> = {
		400: 'bad_request',
		401: 'unauthenticated',
		403: 'forbidden',
		404: 'not_found',
		409: 'conflict',
		413: 'payload_too_large',
		415: 'unsupported_media_type',
		422: 'validation_failed',
		429: 'rate_limited',
		503: 'service_unavailable',
		504: 'timeout'
	};
	return m[status] ?? 'internal';
}

/**
 * The JSON error body; when it cannot be read (a proxy's HTML error page, a cut connection), an
 * equivalent body from the status alone.
 */
export async function errorBody(res: Response): Promise<unknown> {
	try {
		return await res.json();
	} catch {
		return { code: codeForStatus(res.status), message: `HTTP ${res.status}` };
	}
}

/** A random UUID for `Idempotency-Key` (one per user intent). */
export function newKey(): string {
	return crypto.randomUUID();
}

/**
 * One Idempotency-Key per intent: the same request sent again (a retry after a network failure or a
 * double press) reuses the key; a changed request gets a new one.
 */
export class Intent {
	private key = '';
	private body = '';
	constructor(private readonly make: () => string = newKey) {}
	keyFor(body: unknown): string {
		const json = JSON.stringify(body);
		if (!this.key || json !== this.body) {
			this.key = this.make();
			this.body = json;
		}
		return this.key;
	}
	/** The intent was carried out (or abandoned): the next request is a new one. */
	done(): void {
		this.key = '';
		this.body = '';
	}
}

export interface ApiResult<T> {
	ok: boolean;
	status: number;
	data?: T;
	error?: unknown;
}

/**
 * A JSON call with the session's CSRF token (and an idempotency key when
 * given). GETs need neither.
 */
export async function call<T>(
	method: string,
	path: string,
	body?: unknown,
	opts: { idempotencyKey?: string } = {}
): Promise<ApiResult<T>> {
	const headers: Record<string, string> = { Accept: 'application/json' };
	if (method !== 'GET') {
		const me = await getMe();
		if (me) headers['x-csrf-token'] = me.csrf_token;
	}
	if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	let res: Response;
	try {
		res = await fetch(path, {
			method,
			headers,
			credentials: 'same-origin',
			body: body === undefined ? undefined : JSON.stringify(body)
		});
	} catch {
		return { ok: false, status: 0, error: { code: 'service_unavailable', message: 'network' } };
	}
	if (res.status === 204) return { ok: true, status: 204 };
	if (!res.ok) {
		if (res.status === 401) forgetMe();
		return { ok: false, status: res.status, error: await errorBody(res) };
	}
	return { ok: true, status: res.status, data: (await res.json()) as T };
}

export async function logout(): Promise<string> {
	const r = await call<{ end_session_url?: string | null }>('POST', '/api/v1/auth/logout');
	forgetMe();
	return r.data?.end_session_url || '/';
}

/**
 * For pages that need a signed-in person: `/me`, or off to the sign-in (coming back here).
 * Returns null when the browser is being sent away, or when it just came back from the
 * sign-in without a session (no endless loop: the page then shows `signInFailed`).
 */
export async function requireSignIn(returnTo: string): Promise<{ me: Me | null; signInFailed: boolean }> {
	const me = await getMe({ fresh: true });
	if (me) {
		try {
			sessionStorage.removeItem('motcua.login-at');
		} catch {
			/* ignore */
		}
		return { me, signInFailed: false };
	}
	let recent = false;
	try {
		const at = Number(sessionStorage.getItem('motcua.login-at') ?? 0);
		recent = Date.now() - at < 30_000;
		if (!recent) sessionStorage.setItem('motcua.login-at', String(Date.now()));
	} catch {
		/* ignore */
	}
	if (recent) return { me: null, signInFailed: true };
	location.href = citizenLoginUrl(returnTo);
	return { me: null, signInFailed: false };
}

export const SIGN_IN_FAILED = 'Chưa đăng nhập được. Vui lòng thử lại từ trang Đăng nhập.';
