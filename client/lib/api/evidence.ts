import type { EvidenceDTO } from '$contracts/workspace';
import type { EvidencePatch, RedactionRect } from '$contracts/evidence';
import { call, upload } from './http';

type F = typeof fetch;

/** A finding's evidence (staff: every item, with original URLs). */
export const listEvidence = (findingId: string, fetch?: F) => call('GET /findings/:id/evidence', { params: { id: findingId }, fetch });

/** Upload one file to a finding; its name is only a label. */
export const uploadEvidence = (findingId: string, file: File, opts: { caption?: string; onProgress?: (fraction: number) => void } = {}): Promise<EvidenceDTO> =>
  upload(
    'POST /findings/:id/evidence',
    file,
    { params: { id: findingId }, query: { name: file.name, caption: opts.caption || undefined } },
    opts.onProgress,
  ).then((r) => r.evidence);

/** Replace an image's redaction rectangles (original pixels); the server re-renders the client copy. */
export const saveRedactions = (id: string, rectangles: RedactionRect[]) =>
  call('PUT /evidence/:id/redactions', { params: { id }, body: { rectangles } }).then((r) => r.evidence);

export const updateEvidence = (id: string, body: EvidencePatch) => call('PATCH /evidence/:id', { params: { id }, body }).then((r) => r.evidence);
export const deleteEvidence = (id: string) => call('DELETE /evidence/:id', { params: { id } });
