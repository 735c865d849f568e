/** The upload endpoint (POST /api/v1/uploads/): request and response shapes, one request per batch. */
import type { Batch } from './batches';

export type Outcome = 'stored' | 'duplicate' | 'refused';

export interface UploadResult {
  file: string;
  outcome: Outcome;
  reason: string;
  study_instance_uid: string;
  series_instance_uid: string;
  sop_instance_uid: string;
}

export interface UploadResponse {
  results: UploadResult[];
  stored: number;
  duplicate: number;
  refused: number;
}

/** A request the server answered with an error status, or that never got an answer. */
export class UploadError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'UploadError';
  }

  /** The session is gone: later batches would fail the same way. */
  get isAuthFailure(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export function sendBatch(
  url: string,
  batch: Batch,
  csrfToken: string,
  onProgress: (sentBytes: number) => void,
): Promise<UploadResponse> {
  const form = new FormData();
  for (const picked of batch.files) {
    form.append('files', picked.file, picked.file.name);
    form.append('paths', picked.path);
  }
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('X-CSRFToken', csrfToken);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.responseType = 'text';
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && event.total > 0) {
        // The body carries multipart overhead; report progress in file bytes.
        onProgress(Math.min(batch.bytes, (event.loaded / event.total) * batch.bytes));
      }
    });
    xhr.addEventListener('load', () => {
      const body = parseJson(xhr.responseText);
      if (xhr.status === 200 && isUploadResponse(body)) {
        onProgress(batch.bytes);
        resolve(body);
      } else {
        reject(new UploadError(errorMessage(xhr.status, body), xhr.status));
      }
    });
    xhr.addEventListener('error', () =>
      reject(new UploadError('The server could not be reached. Check the connection.', 0)),
    );
    xhr.addEventListener('abort', () => reject(new UploadError('The upload was cancelled.', 0)));
    xhr.send(form);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function isUploadResponse(body: unknown): body is UploadResponse {
  return typeof body === 'object' && body !== null && Array.isArray((body as UploadResponse).results);
}

function errorMessage(status: number, body: unknown): string {
  const detail =
    typeof body === 'object' && body !== null && 'detail' in body
      ? String((body as { detail: unknown }).detail)
      : '';
  if (detail) return detail;
  if (status === 401 || status === 403) return 'You are not logged in any more. Log in and try again.';
  if (status === 413) return 'The upload is larger than this site accepts in one request.';
  return `The server answered with an error (HTTP ${status}).`;
}
