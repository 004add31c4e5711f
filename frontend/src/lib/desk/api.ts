/**
 * The desk's API calls: `call()` of the session module, and when the session has ended (401) the desk
 * is told (event `desk:signed-out`) so it can offer a sign-in in another tab while the page keeps what
 * the clerk typed.
 */
import { call as sessionCall, type ApiResult } from '../session';

export const SIGNED_OUT_EVENT = 'desk:signed-out';

export async function call<T>(
	method: string,
	path: string,
	body?: unknown,
	opts: { idempotencyKey?: string } = {}
): Promise<ApiResult<T>> {
	const r = await sessionCall<T>(method, path, body, opts);
	if (r.status === 401 && typeof window !== 'undefined') window.dispatchEvent(new CustomEvent(SIGNED_OUT_EVENT));
	return r;
}
