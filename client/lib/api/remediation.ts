import type { AttachmentDTO } from '$contracts/realtime';
import type { RetestStatus, Verdict } from '$contracts/remediation';
import type { RemediationTargetsDTO } from '$contracts/firm';
import { call, upload } from './http';

type F = typeof fetch;

/** Remediation calls: a finding's rounds and due date, submissions, verdicts, the queue, retests, targets. */

export const getRemediation = (findingId: string, fetch?: F) =>
  call('GET /findings/:id/remediation', { params: { id: findingId }, fetch }).then((r) => r.remediation);

/** Upload one evidence file (pending until the submission or verdict names it), with progress from 0 to 1. */
export const uploadRemediationFile = (findingId: string, file: File, onProgress?: (fraction: number) => void): Promise<AttachmentDTO> =>
  upload('POST /findings/:id/remediation/attachments', file, { params: { id: findingId }, query: { name: file.name } }, onProgress).then((r) => r.attachment);

export const submitRemediation = (findingId: string, notes: string, attachmentIds: string[]) =>
  call('POST /findings/:id/remediation/submit', { params: { id: findingId }, body: { notes, attachmentIds } }).then((r) => r.remediation);

export const giveVerdict = (findingId: string, verdict: Verdict, notes: string, attachmentIds: string[]) =>
  call('POST /findings/:id/remediation/verdict', { params: { id: findingId }, body: { verdict, notes, attachmentIds } }).then((r) => r.remediation);

/** One page of the findings waiting for a verdict, oldest submission first (`next` continues). */
export const getVerificationQueue = (after: string | null = null, fetch?: F) => call('GET /remediation/queue', { query: { after }, fetch });
export const getRemediationSummary = (fetch?: F) => call('GET /remediation/summary', { fetch }).then((r) => r.summary);
/** Staff Home's lists: recent activity across clients, projects needing attention, a new firm's next step. */
export const getStaffHome = (fetch?: F) => call('GET /staff/home', { fetch });

/** One page of retest requests, newest first (`next` continues). */
export const listRetests = (after: string | null = null, fetch?: F) => call('GET /retests', { query: { after }, fetch });
export const requestRetest = (findingIds: string[], message: string) => call('POST /retests', { body: { findingIds, message } }).then((r) => r.retest);
export const updateRetest = (id: string, status: RetestStatus, scheduledFor: string | null = null) =>
  call('PATCH /retests/:id', { params: { id }, body: { status, scheduledFor } }).then((r) => r.retest);

export const getRemediationTargets = (fetch?: F) => call('GET /firm/remediation-targets', { fetch }).then((r) => r.targets);
export const updateRemediationTargets = (body: RemediationTargetsDTO) => call('PUT /firm/remediation-targets', { body }).then((r) => r.targets);
/** The published findings a client Manager may name in a retest request (portal). */
export const listRetestCandidates = (fetch?: F) => call('GET /retests/eligible', { fetch }).then((r) => r.findings);
