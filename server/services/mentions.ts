import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../../db/schema.js';
import { MENTION_PATTERN, mentionedIds, type MentionCandidateDTO } from '../contracts/comments.js';
import { clientSees, sees, type ClientScope } from '../policies/access.js';
import { scopesOf } from '../repositories/staff-scope.js';
import { insertNotifications, upsertCoalesced, whoAndHowMany, type NewNotification } from '../repositories/notifications.js';
import { addFollowers, followerIds, type FindingForComments } from '../repositories/comments.js';
import { keepRecent, renderMarkdown } from './markdown.js';

/**
 * Mentions and follower notifications for comments. Mentions are read from the stored text only
 * (`@[Name](user-id)`), and every recipient's access is checked again at the moment of writing,
 * by `policies/access.ts` (active, and may see the comment now). A mention of someone who can't
 * see the comment notifies nobody and grants nothing.
 */

type Db = Kysely<Database>;
type Person = Pick<UserRow, 'id' | 'name' | 'kind' | 'role' | 'status' | 'client_id'> & { scope: ClientScope };

/** Whether `u` may see a comment on `f` now (`policies/access.ts`; an internal note: staff only). */
function maySeeComment(u: Person, f: FindingForComments, internal: boolean): boolean {
  return sees(u, 'comment', { ...f, internal: internal ? 1 : 0 });
}

/** The people who may be mentioned in a comment on `f` (staff only for an internal note), by name. */
export async function mentionCandidates(db: Db, f: FindingForComments, internal: boolean, exceptId: string): Promise<MentionCandidateDTO[]> {
  const portal = clientSees('comment', { ...f, internal: internal ? 1 : 0 });
  const rows = await db
    .selectFrom('users')
    .select(['id', 'name', 'kind', 'role', 'status', 'client_id'])
    .where('status', '=', 'active')
    .where('id', '!=', exceptId)
    .where((eb) => (portal ? eb.or([eb('kind', '=', 'staff'), eb('client_id', '=', f.client_id)]) : eb('kind', '=', 'staff')))
    .orderBy('name')
    .execute();
  return (await scopesOf(db, rows)).filter((u) => maySeeComment(u, f, internal)).map((r) => ({ id: r.id, name: r.name, kind: r.kind }));
}

const shortTitle = (t: string) => (t.length > 60 ? `${t.slice(0, 57).trimEnd()}…` : t);
/** Where a notification about a finding takes each kind of person. */
const findingLink = (kind: 'staff' | 'portal', findingId: string) => `/${kind === 'staff' ? 'staff' : 'portal'}/findings/${findingId}`;

/** The people named, each with the clients they reach (a scoped analyst may not see this client). */
async function people(trx: Db, ids: string[]): Promise<Person[]> {
  if (!ids.length) return [];
  return scopesOf(trx, await trx.selectFrom('users').select(['id', 'name', 'kind', 'role', 'status', 'client_id']).where('id', 'in', ids).execute());
}

export interface CommentNotice {
  finding: FindingForComments;
  author: Pick<UserRow, 'id' | 'name'>;
  internal: boolean;
  /** The ids to treat as mentioned (already parsed from the stored text, e.g. only the new ones after an edit). */
  mentioned: string[];
  /** Only portal users among the mentioned (a note just shared: staff were told when it was written). */
  portalOnly?: boolean;
  /** Also tell the finding's other followers ('reply'), and make author and mentioned followers. */
  replies?: boolean;
}

/**
 * Write the notification rows for a comment inside its transaction; returns their ids (publish
 * `notifications.created` with them after commit).
 */
export async function notifyForComment(trx: Db, n: CommentNotice, now: number): Promise<number[]> {
  const { finding, author, internal } = n;
  const candidates = n.mentioned.filter((id) => id !== author.id);
  const targets = (await people(trx, candidates)).filter((u) => maySeeComment(u, finding, internal) && (!n.portalOnly || u.kind === 'portal'));
  const title = shortTitle(finding.title);
  const row = (u: Person, kind: 'mention' | 'reply', text: string): NewNotification => ({
    user_id: u.id,
    client_id: finding.client_id,
    kind,
    actor_id: author.id,
    finding_id: finding.id,
    text,
    link: findingLink(u.kind, finding.id),
    created_at: now,
  });
  const rows = targets.map((u) => row(u, 'mention', `${author.name} mentioned you on “${title}”`));

  const replies: NewNotification[] = [];
  if (n.replies) {
    await addFollowers(trx, finding.id, [author.id, ...targets.map((u) => u.id)]);
    const skip = new Set([author.id, ...candidates]);
    const others = (await followerIds(trx, finding.id)).filter((id) => !skip.has(id));
    for (const u of await people(trx, others)) {
      if (maySeeComment(u, finding, internal)) replies.push(row(u, 'reply', ''));
    }
  }
  // A reply joins the person's unread item about this finding, if they have one (issue 18, point 1).
  const add = {
    count: 1,
    authors: [author.name],
    text: (count: number, authors: string[]) =>
      count === 1 ? `${author.name} commented on “${title}”` : `${whoAndHowMany(authors, count, 'new comment')} on “${title}”`,
  };
  const replyIds = await upsertCoalesced(
    trx,
    'reply',
    replies.map(({ kind: _kind, text: _text, ...r }) => ({ ...r, add })),
  );
  return [...(await insertNotifications(trx, rows)), ...replyIds];
}

/** The mentioned ids of a stored text (re-exported for commands). */
export { mentionedIds };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// Private-use characters stand in for mentions while markdown renders; any in the input are dropped first.
const OPEN = '\uE000';
const CLOSE = '\uE001';

/**
 * A comment's HTML: the markdown-lite text rendered and sanitised by renderMarkdown, with each
 * mention token shown as a highlighted `@Name` (inserted after sanitising, escaped, with nothing
 * but the name and the id-shaped id from the token). A token that ended up inside a tag (a link
 * title, say) becomes plain escaped text there, so no markup is ever added inside an attribute.
 * A pure function of the text: recent results are kept (`keepRecent`).
 */
export const renderCommentHtml: (body: string) => string = keepRecent(2000, (body) => {
  const found: { name: string; id: string }[] = [];
  const marked = body.replace(/[\uE000\uE001]/g, '').replace(MENTION_PATTERN, (_all, name: string, id: string) => {
    found.push({ name, id });
    return `${OPEN}${found.length - 1}${CLOSE}`;
  });
  const mark = /\uE000(\d+)\uE001/g;
  const text = (i: string) => escapeHtml(`@${found[Number(i)]?.name ?? ''}`);
  return renderMarkdown(marked).replace(/<[^>]*>|[^<]+/g, (seg) =>
    seg.startsWith('<')
      ? seg.replace(mark, (_all, i: string) => text(i))
      : seg.replace(mark, (_all, i: string) => `<span class="mention" data-user-id="${escapeHtml(found[Number(i)]?.id ?? '')}">${text(i)}</span>`),
  );
});
