import type { AttachmentDTO } from '$contracts/realtime';
import type { QueueItemDTO, RemediationDTO, RemediationSummaryDTO, RetestCandidateDTO, RetestDTO, RetestStatus, Verdict } from '$contracts/remediation';
import type { RemediationTargetsDTO } from '$contracts/firm';
import { api } from './http';
import { uploadFile } from './evidence';

type F = typeof fetch;
const finding = (id: string) => `/findings/${encodeURIComponent(id)}/remediation`;

/** Remediation calls: a finding's rounds and due date, submissions, verdicts, the queue, retests, targets. */

export const getRemediation = (findingId: string, f?: F) =>
  api<{ remediation: RemediationDTO }>('GET', finding(findingId), undefined, f).then((r) => r.remediation);

/** Upload one evidence file (pending until the submission or verdict names it), with progress from 0 to 1. */
export function uploadRemediationFile(findingId: string, file: File, onProgress?: (fraction: number) => void): Promise<AttachmentDTO> {
  const q = new URLSearchParams({ name: file.name });
  return uploadFile<{ attachment: AttachmentDTO }>(`${finding(findingId)}/attachments?${q}`, file, onProgress).then((r) => r.attachment);
}

export const submitRemediation = (findingId: string, notes: string, attachmentIds: string[]) =>
  api<{ remediation: RemediationDTO }>('POST', `${finding(findingId)}/submit`, { notes, attachmentIds }).then((r) => r.remediation);

export const giveVerdict = (findingId: string, verdict: Verdict, notes: string, attachmentIds: string[]) =>
  api<{ remediation: RemediationDTO }>('POST', `${finding(findingId)}/verdict`, { verdict, notes, attachmentIds }).then((r) => r.remediation);

export const getVerificationQueue = (f?: F) => api<{ queue: QueueItemDTO[] }>('GET', '/remediation/queue', undefined, f).then((r) => r.queue);
export const getRemediationSummary = (f?: F) => api<{ summary: RemediationSummaryDTO }>('GET', '/remediation/summary', undefined, f).then((r) => r.summary);

export const listRetests = (f?: F) => api<{ retests: RetestDTO[] }>('GET', '/retests', undefined, f).then((r) => r.retests);
export const requestRetest = (findingIds: string[], message: string) =>
  api<{ retest: RetestDTO }>('POST', '/retests', { findingIds, message }).then((r) => r.retest);
export const updateRetest = (id: string, status: RetestStatus, scheduledFor: string | null = null) =>
  api<{ retest: RetestDTO }>('PATCH', `/retests/${encodeURIComponent(id)}`, { status, scheduledFor }).then((r) => r.retest);

export const getRemediationTargets = (f?: F) =>
  api<{ targets: RemediationTargetsDTO }>('GET', '/firm/remediation-targets', undefined, f).then((r) => r.targets);
export const updateRemediationTargets = (t: RemediationTargetsDTO) =>
  api<{ targets: RemediationTargetsDTO }>('PUT', '/firm/remediation-targets', t).then((r) => r.targets);
/** The published findings a client Manager may name in a retest request (portal). */
export const listRetestCandidates = (f?: F) => api<{ findings: RetestCandidateDTO[] }>('GET', '/retests/eligible', undefined, f).then((r) => r.findings);
