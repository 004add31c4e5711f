/**
 * The pages scanned or uploaded for each component at the counter: several files per component, in
 * the order the clerk sets, each marked "checked against the original" or not. Pure list operations:
 * unit-tested in files.test.ts.
 */

export interface ScannedFile {
	/** Stable key for the list (the upload id). */
	upload_id: string;
	file_name: string;
	kind: string;
	size: number;
	/** For an image: a `data:` URL to show it before the dossier exists (the page CSP allows data: images). */
	preview?: string;
}

export interface ComponentFiles {
	files: ScannedFile[];
	checked: boolean;
}

export type FilesByComponent = Record<string, ComponentFiles>;

export function emptyFiles(codes: string[]): FilesByComponent {
	return Object.fromEntries(codes.map((c) => [c, { files: [], checked: false }]));
}

/** Moves file `i` of a list by `delta` (−1 up, +1 down); out-of-range moves change nothing. */
export function move<T>(list: readonly T[], i: number, delta: number): T[] {
	const j = i + delta;
	if (i < 0 || i >= list.length || j < 0 || j >= list.length) return [...list];
	const out = [...list];
	const [item] = out.splice(i, 1);
	out.splice(j, 0, item as T);
	return out;
}

export function removeAt<T>(list: readonly T[], i: number): T[] {
	return list.filter((_, k) => k !== i);
}

/** The `attachments` of the counter request: every file of every component, in order. */
export function attachmentRefs(
	order: string[],
	byComponent: FilesByComponent
): { upload_id: string; component_code: string; checked_against_original: boolean }[] {
	return order.flatMap((code) =>
		(byComponent[code]?.files ?? []).map((f) => ({
			upload_id: f.upload_id,
			component_code: code,
			checked_against_original: !!byComponent[code]?.checked
		}))
	);
}

/** The component codes of `attachmentRefs`, index by index (to place `body.attachments[i]` errors). */
export function attachmentCodes(order: string[], byComponent: FilesByComponent): string[] {
	return attachmentRefs(order, byComponent).map((a) => a.component_code);
}

/** Whether a file can be shown inline: PDFs in a frame, images as images. */
export function previewKind(kind: string): 'pdf' | 'image' | null {
	if (kind === 'pdf') return 'pdf';
	if (['jpeg', 'png', 'webp'].includes(kind)) return 'image';
	return null;
}
