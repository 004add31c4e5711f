/** `POST /api/v1/uploads` with XMLHttpRequest, so the page can show upload progress. */
import { getMe } from '../session';
import type { components } from '../api/schema';

export type UploadView = components['schemas']['UploadView'];

export function uploadFile(
	file: File,
	onProgress: (fraction: number) => void
): Promise<{ ok: true; data: UploadView } | { ok: false; error: unknown }> {
	return getMe().then(
		(me) =>
			new Promise((resolve) => {
				const xhr = new XMLHttpRequest();
				xhr.open('POST', '/api/v1/uploads');
				xhr.withCredentials = true;
				xhr.setRequestHeader('Accept', 'application/json');
				if (me) xhr.setRequestHeader('x-csrf-token', me.csrf_token);
				xhr.upload.onprogress = (e) => {
					if (e.lengthComputable) onProgress(e.loaded / e.total);
				};
				xhr.onload = () => {
					let body: unknown = null;
					try {
						body = JSON.parse(xhr.responseText);
					} catch {
						body = { code: xhr.status === 413 ? 'payload_too_large' : 'internal', message: '' };
					}
					if (xhr.status >= 200 && xhr.status < 300) {
						onProgress(1);
						resolve({ ok: true, data: body as UploadView });
					} else resolve({ ok: false, error: body });
				};
				xhr.onerror = () => resolve({ ok: false, error: { code: 'service_unavailable', message: '' } });
				const fd = new FormData();
				fd.append('file', file, file.name);
				xhr.send(fd);
			})
	);
}
