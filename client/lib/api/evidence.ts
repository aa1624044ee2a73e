import type { ApiErrorBody } from '$contracts/errors';
import type { EvidenceDTO } from '$contracts/workspace';
import type { EvidenceListDTO, EvidencePatch, RedactionRect } from '$contracts/evidence';
import { api, ApiError } from './http';

type F = typeof fetch;
const path = (id: string) => `/evidence/${encodeURIComponent(id)}`;

/**
 * Send a file as the raw body of a POST (the server sniffs its type from the bytes), reporting
 * upload progress as a fraction from 0 to 1. XMLHttpRequest because fetch cannot report upload
 * progress. Errors are the same ApiError as every other call.
 */
export function uploadFile<T>(urlPath: string, file: Blob, onProgress?: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api${urlPath}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress?.(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'The upload did not reach the server. Check your connection and try again.'));
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data as T);
      const err = (data as ApiErrorBody | null)?.error;
      const fallback = xhr.status === 413 ? 'The file is too large.' : `The upload failed (${xhr.status}).`;
      reject(new ApiError(xhr.status, err?.code ?? 'internal_error', err?.message ?? fallback, err?.details));
    };
    xhr.send(file);
  });
}

/** A finding's evidence (staff: every item, with original URLs). */
export const listEvidence = (findingId: string, f?: F) => api<EvidenceListDTO>('GET', `/findings/${encodeURIComponent(findingId)}/evidence`, undefined, f);

/** Upload one file to a finding; its name is only a label. */
export function uploadEvidence(findingId: string, file: File, opts: { caption?: string; onProgress?: (fraction: number) => void } = {}): Promise<EvidenceDTO> {
  const q = new URLSearchParams({ name: file.name, ...(opts.caption ? { caption: opts.caption } : {}) });
  return uploadFile<{ evidence: EvidenceDTO }>(`/findings/${encodeURIComponent(findingId)}/evidence?${q}`, file, opts.onProgress).then((r) => r.evidence);
}

/** Replace an image's redaction rectangles (original pixels); the server re-renders the client copy. */
export const saveRedactions = (id: string, rectangles: RedactionRect[]) =>
  api<{ evidence: EvidenceDTO }>('PUT', `${path(id)}/redactions`, { rectangles }).then((r) => r.evidence);

export const updateEvidence = (id: string, patch: EvidencePatch) => api<{ evidence: EvidenceDTO }>('PATCH', path(id), patch).then((r) => r.evidence);
export const deleteEvidence = (id: string) => api<void>('DELETE', path(id));
