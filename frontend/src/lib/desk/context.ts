/** The signed-in member of staff, shared by the desk's layout with its pages. */
import { getContext, setContext } from 'svelte';
import type { Me } from '../session';

const KEY = Symbol('desk');

export interface DeskContext {
	readonly me: Me;
	/** Agency id → name (from `GET /api/v1/agencies`). */
	readonly agencies: Record<string, string>;
	/** Unit id → name, for the units of the person's agencies. */
	readonly units: Record<string, string>;
	/** Ask `/api/v1/queues` again (after an action changed what is where). */
	refreshCounts(): void;
	readonly countsVersion: number;
}

export function setDesk(ctx: DeskContext): void {
	setContext(KEY, ctx);
}

export function desk(): DeskContext {
	const ctx = getContext<DeskContext | undefined>(KEY);
	if (!ctx) throw new Error('desk(): outside the desk layout');
	return ctx;
}
