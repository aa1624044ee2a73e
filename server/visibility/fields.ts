/**
 * THE table of what may leave the server. For every entity, every field a response or socket
 * payload may carry is listed with who may see it: staff always; portal users only when
 * `portal` is true and the client has not hidden it (`hiddenBy`, a key of the client's
 * visible-field settings). A field that is not listed here is never sent to anyone.
 * An auditor reads this one file to know what a client can see.
 */

import { HIDE_KEYS, type HideKey } from '../contracts/workspace.js';

export { HIDE_KEYS, type HideKey };

export interface FieldRule {
  portal: boolean;
  hiddenBy?: HideKey;
}

const both: FieldRule = { portal: true };
const staffOnly: FieldRule = { portal: false };
const hideable = (key: HideKey): FieldRule => ({ portal: true, hiddenBy: key });

export const VISIBILITY = {
  project: {
    id: both,
    clientId: staffOnly,
    clientName: staffOnly,
    name: both,
    status: both,
    startDate: both,
    endDate: both,
    description: both,
    team: staffOnly,
    findingCounts: both,
    createdAt: both,
    updatedAt: both,
  },
  finding: {
    id: both,
    projectId: both,
    projectName: both,
    clientId: staffOnly,
    title: both,
    severity: both,
    status: both,
    descriptionHtml: both,
    impactHtml: both,
    remediationHtml: both,
    technicalDetailsHtml: hideable('technicalDetails'),
    cvssVersion: hideable('cvss'),
    cvssVector: hideable('cvss'),
    cvssScore: hideable('cvss'),
    references: hideable('references'),
    affectedAssets: both,
    evidence: hideable('evidence'),
    statusHistory: both,
    // The remediation deadline: both sides see the same date.
    dueAt: both,
    overdue: both,
    duePaused: both,
    publishedAt: both,
    createdAt: both,
    updatedAt: both,
    // Markdown sources and the firm's own bookkeeping: staff only.
    description: staffOnly,
    impact: staffOnly,
    remediation: staffOnly,
    technicalDetails: staffOnly,
    internalNotes: staffOnly,
    published: staffOnly,
    version: staffOnly,
    createdBy: staffOnly,
  },
  statusChange: {
    from: both,
    to: both,
    note: both,
    at: both,
    actorName: both,
    actorId: staffOnly,
  },
  evidence: {
    id: both,
    findingId: both,
    kind: both,
    caption: both,
    width: both,
    height: both,
    /** The client-visible copy (redacted and re-encoded for images). */
    url: both,
    thumbUrl: both,
    originalName: staffOnly,
    mime: staffOnly,
    size: staffOnly,
    redactions: staffOnly,
    shared: staffOnly,
    originalUrl: staffOnly,
    createdAt: both,
  },
  report: {
    id: both,
    projectId: both,
    projectName: both,
    title: both,
    version: both,
    originalName: both,
    size: both,
    sha256: both,
    publishedAt: both,
    createdAt: both,
    downloadUrl: both,
    clientId: staffOnly,
    published: staffOnly,
    damagedAt: staffOnly,
    createdBy: staffOnly,
  },
  comment: {
    id: both,
    findingId: both,
    author: both,
    bodyHtml: both,
    body: both,
    clientMessageId: both,
    createdAt: both,
    editedAt: both,
    deleted: both,
    // Whether it is (still) an internal note, and when it was shared: the firm's bookkeeping.
    internal: staffOnly,
    sharedAt: staffOnly,
  },
  message: {
    id: both,
    clientId: both,
    author: both,
    bodyHtml: both,
    body: both,
    clientMessageId: both,
    attachments: both,
    createdAt: both,
    editedAt: both,
    deleted: both,
  },
  messagePreview: {
    id: both,
    author: both,
    text: both,
    deleted: both,
    createdAt: both,
  },
  // Who wrote a comment, chat message or round: the organisation badge is for the firm's eyes.
  author: {
    id: both,
    name: both,
    kind: both,
    org: staffOnly,
  },
  attachment: {
    id: both,
    kind: both,
    name: both,
    mime: both,
    size: both,
    width: both,
    height: both,
    url: both,
    thumbUrl: both,
  },
  notification: {
    id: both,
    kind: both,
    text: both,
    link: both,
    createdAt: both,
    read: both,
    count: both,
    authors: both,
    // The acting client user's organisation: a badge for the firm's eyes.
    actorOrg: staffOnly,
  },
} as const satisfies Record<string, Record<string, FieldRule>>;

export type Entity = keyof typeof VISIBILITY;
