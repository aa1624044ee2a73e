import type { Generated, Selectable } from 'kysely';
import type { RetestStatus, Verdict } from '../../server/contracts/remediation.js';

// The client event log, comments, chat and attachments, notifications and their mail, and remediation (retests and rounds).
// The `Database` interface in db/schema.ts names them; import them from there.

/** One client-visible change, in commit order. `audience` 'staff' events never reach a portal socket. */
export interface ClientEventTable {
  position: Generated<number>;
  client_id: string;
  type: string;
  audience: 'all' | 'staff';
  entity_id: string;
  /** JSON: what the presenter needs that the entity row may no longer hold (e.g. after a delete). */
  data: Generated<string>;
  at: number;
}

export interface CommentTable {
  id: string;
  finding_id: string;
  client_id: string;
  author_id: string;
  body: string;
  internal: Generated<number>;
  shared_by: string | null;
  shared_at: number | null;
  client_message_id: string;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
}

export interface FindingFollowerTable {
  finding_id: string;
  user_id: string;
}

export interface ChatMessageTable {
  id: Generated<number>;
  client_id: string;
  author_id: string;
  body: string;
  client_message_id: string;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
}

export interface ChatReadTable {
  client_id: string;
  user_id: string;
  last_read_id: Generated<number>;
}

export interface AttachmentTable {
  id: string;
  client_id: string;
  uploader_id: string;
  purpose: 'chat' | 'remediation';
  message_id: number | null;
  round_id: string | null;
  kind: 'image' | 'file';
  file: string;
  thumb_file: string | null;
  original_name: string;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  created_at: number;
}

export type NotificationKind = 'mention' | 'reply' | 'chat' | 'finding_published' | 'report_published' | 'remediation' | 'retest' | 'invitation_held';

/** A person's notifications. At most one unread `chat` one per person and client (partial unique index `notifications_chat_unread`). */
export interface NotificationTable {
  id: Generated<number>;
  user_id: string;
  client_id: string | null;
  kind: NotificationKind;
  actor_id: string | null;
  finding_id: string | null;
  text: string;
  link: string;
  created_at: number;
  read_at: number | null;
  emailed_at: number | null;
  /** How many events this one item stands for (replies coalesced while it was unread). */
  count: Generated<number>;
  /** JSON array of the latest authors' names, newest first (at most three). */
  authors: Generated<string>;
  /** 1 while the row waits for its person's next mail (see `mail_digests`). */
  mail_pending: Generated<number>;
}

/** Per person: when their next mail is due (null: nothing waiting) and when the last one went. */
export interface MailDigestTable {
  user_id: string;
  due_at: number | null;
  last_sent_at: number | null;
}

export interface RetestRequestTable {
  id: string;
  client_id: string;
  requested_by: string;
  message: string;
  status: Generated<RetestStatus>;
  scheduled_for: string | null;
  created_at: number;
  updated_at: number;
}

export interface RetestRequestFindingTable {
  request_id: string;
  finding_id: string;
}

/** A submit-and-verdict round: the submission is frozen when written, the verdict once set (SQL triggers). */
export interface RemediationRoundTable {
  id: string;
  finding_id: string;
  client_id: string;
  round_no: number;
  retest_request_id: string | null;
  submitted_by: string;
  submitted_at: number;
  submit_notes: string;
  verdict: Verdict | null;
  verdict_by: string | null;
  verdict_at: number | null;
  verdict_notes: string | null;
}

export type ClientEventRow = Selectable<ClientEventTable>;
export type CommentRow = Selectable<CommentTable>;
export type ChatMessageRow = Selectable<ChatMessageTable>;
export type AttachmentRow = Selectable<AttachmentTable>;
export type NotificationRow = Selectable<NotificationTable>;
export type RetestRequestRow = Selectable<RetestRequestTable>;
export type RemediationRoundRow = Selectable<RemediationRoundTable>;
