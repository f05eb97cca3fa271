import type { ApiAuth } from './client.js';
import type { Attachment } from './types.js';

/** A refused or failed upload: `code` is the API's (`ATTACHMENT_TOO_LARGE`, ...) or `NETWORK_ERROR`. */
export class UploadError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/**
 * Uploads one file (POST /api/chat/attachments, multipart, one part named `file`) and reports
 * the fraction sent. XMLHttpRequest because fetch reports no upload progress. Authenticated as
 * `request` in client.ts does it: the token only in the Authorization header, and a 401 asks the
 * host for a fresh token and sends once more. Standalone (no runtime import of client.ts) so it
 * stays in the lazily loaded attachments chunk.
 */
export async function upload(
  auth: ApiAuth,
  file: File,
  onProgress: (fraction: number) => void,
  signal: AbortSignal,
  retried = false,
): Promise<Attachment> {
  const token = await auth.resolveToken(retried).catch(() => null);
  if (!token) throw new UploadError('NO_TOKEN');
  const xhr = new XMLHttpRequest();
  const form = new FormData();
  form.append('file', file, file.name);
  await new Promise<void>((resolve, reject) => {
    xhr.onload = () => resolve();
    xhr.onerror = xhr.onabort = () => reject(new UploadError('NETWORK_ERROR'));
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    signal.addEventListener('abort', () => xhr.abort());
    xhr.open('POST', `${auth.apiUrl}/api/chat/attachments`);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.responseType = 'json';
    xhr.send(form);
  });
  if (xhr.status === 401 && !retried) return upload(auth, file, onProgress, signal, true);
  const body = xhr.response as (Attachment & { code?: string }) | null;
  if (xhr.status !== 201 || !body) throw new UploadError(body?.code ?? `HTTP_${xhr.status}`);
  return body;
}
