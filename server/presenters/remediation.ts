import type { AttachmentRow } from '../../db/schema.js';
import type { RetestDTO, RoundDTO } from '../contracts/remediation.js';
import type { RetestWithPeople, RoundWithPeople } from '../repositories/remediation.js';
import { presentAttachment, presentAuthor } from './collaboration.js';
import type { VisibilityProfile } from '../visibility/profile.js';
import type { FindingStatus, Severity } from '../contracts/workspace.js';
import { isPublished } from '../policies/access.js';
import { iso } from './iso.js';

/**
 * Rounds and retest requests for either side. A round holds nothing internal (the submission,
 * the verdict and their files are what both sides agreed to see); files go through the
 * attachment entity of the visibility table.
 */

/** One round with its files: the submitter's go with the submission, the rest with the verdict. */
export function presentRound(r: RoundWithPeople, files: AttachmentRow[], profile: VisibilityProfile): RoundDTO {
  const submitFiles = files.filter((a) => a.uploader_id === r.submitted_by);
  const verdictFiles = files.filter((a) => a.uploader_id !== r.submitted_by);
  return {
    id: r.id,
    roundNo: r.round_no,
    retestRequestId: r.retest_request_id,
    submittedBy: presentAuthor(r.submitter, profile),
    submittedAt: iso(r.submitted_at)!,
    submitNotes: r.submit_notes,
    submitAttachments: submitFiles.map((a) => presentAttachment(a, profile)),
    verdict: r.verdict,
    verdictBy: r.judge ? presentAuthor(r.judge, profile) : null,
    verdictAt: iso(r.verdict_at),
    verdictNotes: r.verdict_notes,
    verdictAttachments: verdictFiles.map((a) => presentAttachment(a, profile)),
  };
}

/** A retest request; a portal profile gets only its published findings and no client name. */
export function presentRetest(r: RetestWithPeople, profile: VisibilityProfile): RetestDTO {
  const portal = profile.audience === 'portal';
  return {
    id: r.id,
    clientId: r.client_id,
    ...(portal ? {} : { clientName: r.client_name }),
    requestedBy: presentAuthor(r.requester, profile),
    message: r.message,
    status: r.status,
    scheduledFor: r.scheduled_for,
    findings: r.findings
      .filter((f) => !portal || isPublished(f))
      .map((f) => ({ id: f.id, title: f.title, severity: f.severity as Severity, status: f.status as FindingStatus })),
    roundIds: r.round_ids,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}
