import { apportion, DAY, sortedTimes } from './rand.js';
import { inserter, logEvent, type FindingInfo, type Gen, type People, type Person } from './gen.js';
import type { Work } from './work.js';
import { chatBody, commentBody } from './text.js';

/**
 * Comments (with the followers a comment makes: its author and whoever it mentions), the chat
 * channels with their read positions. Written as comments/create.ts and chat/send.ts write them:
 * the markdown-lite body as typed, a client message id per author, the event-log row while recent.
 */

const COMMENT_COLS = [
  'id',
  'finding_id',
  'client_id',
  'author_id',
  'body',
  'internal',
  'shared_by',
  'shared_at',
  'client_message_id',
  'created_at',
  'edited_at',
  'deleted_at',
];

export function makeComments(g: Gen, people: People, work: Work, n: { total: number; big: number }): { comments: number; followers: number } {
  const { r, now, sqlite } = g;
  const comment = inserter(sqlite, 'comments', COMMENT_COLS);
  const follow = inserter(sqlite, 'finding_followers', ['finding_id', 'user_id']);
  // Comments keep coming for about 400 days after publication: a finding published last week has had a week's worth.
  const weights = work.findings.map((f) =>
    f.id === work.bigFinding ? 0 : (f.published ? 1 : 0.15) * r.exp(1) * Math.min(1, (now - (f.publishedAt ?? f.createdAt)) / (400 * DAY)),
  );
  const counts = apportion(n.total - n.big, weights);
  let comments = 0;
  let followers = 0;
  work.findings.forEach((f, i) => {
    const big = f.id === work.bigFinding;
    const k = big ? n.big : counts[i]!;
    if (!k) return;
    const client = people.clients[f.client]!;
    const team = work.projects[f.project]!.team;
    const from = big ? Math.max(f.publishedAt!, now - 90 * DAY) : (f.publishedAt ?? f.createdAt);
    const to = Math.min(now - 60_000, from + (big ? 90 : 400) * DAY);
    const times = sortedTimes(r, k, from, Math.max(from + 1, to));
    const follows = new Set<string>();
    for (let j = 0; j < k; j++) {
      const portal = f.published && client.talkers.length > 0 && r.chance(0.45);
      const author: Person = portal ? r.pick(client.talkers) : r.chance(0.9) ? r.pick(team) : r.pick(people.analysts);
      const internal = !portal && r.chance(f.published ? 0.12 : 0.5);
      const mentionable = internal || !f.published ? team : [...team, ...client.talkers];
      const mention = r.chance(0.1) ? r.pick(mentionable) : undefined;
      const at = times[j]!;
      const deleted = r.chance(0.01);
      const id = r.uuid();
      comment(
        id,
        f.id,
        client.id,
        author.id,
        deleted ? '' : commentBody(r, mention && mention.id !== author.id ? mention : undefined),
        internal ? 1 : 0,
        null,
        null,
        `m${r.hex(20)}`,
        at,
        r.chance(0.03) ? at + r.int(1, 30) * 60_000 : null,
        deleted ? Math.min(now - 1000, at + r.int(1, 60) * 60_000) : null,
      );
      logEvent(g, {
        at,
        client_id: client.id,
        type: 'comment:created',
        audience: internal ? 'staff' : 'all',
        entity_id: id,
        data: JSON.stringify({ findingId: f.id }),
      });
      follows.add(author.id);
      if (mention && mention.id !== author.id) follows.add(mention.id);
    }
    comments += k;
    for (const u of follows) follow(f.id, u);
    followers += follows.size;
  });
  return { comments, followers };
}

export interface ChatIds {
  messages: number;
  reads: number;
  /** The busy channel's newest message id and one about 95% of the way back (for deep paging). */
  busyNewest: number;
  busyDeep: number;
}

/**
 * The chat: `busy` messages in client 0's channel (the last of them within the event log's
 * retention, a busy week) and `others` spread over the other channels. Ids ascend with time
 * across channels, as the app assigns them. Every author's read position is at their own last
 * message (chat/send.ts moves it); the staff member and the Manager the bench signs in as have
 * read most of each channel.
 */
export function makeChat(g: Gen, people: People, n: { busy: number; others: number }, readers: { staff: Person[]; busyManager: Person }): ChatIds {
  const { r, now, sqlite } = g;
  const cs = people.clients;
  const recent = Math.min(Math.floor(n.busy / 2), Math.max(1500, Math.round(n.busy * 0.01)));
  const parts: Float64Array[] = [sortedTimes(r, n.busy - recent, cs[0]!.createdAt, g.windowStart), sortedTimes(r, recent, g.windowStart, now - 60_000)];
  const spread = apportion(
    n.others,
    cs.map((_, c) => (c === 0 ? 0 : r.exp(1))),
  );
  const total = n.busy + n.others;
  const time = new Float64Array(total);
  const chan = new Int32Array(total);
  let at = 0;
  for (const p of parts) for (const t of p) time[at++] = t;
  spread.forEach((k, c) => {
    for (const t of sortedTimes(r, k, cs[c]!.createdAt, now - 60_000)) {
      chan[at] = c;
      time[at++] = t;
    }
  });
  const order = Uint32Array.from({ length: total }, (_, i) => i).sort((a, b) => time[a]! - time[b]! || a - b);

  const message = inserter(sqlite, 'chat_messages', ['client_id', 'author_id', 'body', 'client_message_id', 'created_at', 'edited_at', 'deleted_at']);
  const reads = new Map<string, number>();
  const ids: number[][] = cs.map(() => []);
  for (const i of order) {
    const c = chan[i]!;
    const client = cs[c]!;
    const staff = client.staff.size ? [...client.staff] : people.analysts;
    const author = client.talkers.length && r.chance(0.5) ? r.pick(client.talkers) : r.pick(staff);
    const t = time[i]!;
    const deleted = r.chance(0.01);
    const res = message(client.id, author.id, chatBody(r), `c${r.hex(20)}`, t, r.chance(0.02) ? t + 60_000 : null, deleted ? t + 120_000 : null);
    const id = Number(res.lastInsertRowid);
    ids[c]!.push(id);
    reads.set(`${c} ${author.id}`, id);
    logEvent(g, { at: t, client_id: client.id, type: 'message:created', audience: 'all', entity_id: String(id), data: '{}' });
  }
  const readTo = (c: number, who: Person, at: number) => {
    const list = ids[c]!;
    if (!list.length) return;
    const key = `${c} ${who.id}`;
    reads.set(key, Math.max(reads.get(key) ?? 0, list[Math.max(0, Math.min(list.length - 1, at))]!));
  };
  cs.forEach((_, c) => {
    for (const s of readers.staff) readTo(c, s, Math.floor(ids[c]!.length * 0.95));
  });
  readTo(0, readers.busyManager, ids[0]!.length - 21);
  const read = inserter(sqlite, 'chat_reads', ['client_id', 'user_id', 'last_read_id']);
  for (const [key, id] of reads) {
    const [c, user] = key.split(' ');
    read(cs[Number(c)]!.id, user, id);
  }
  const busy = ids[0]!;
  return { messages: total, reads: reads.size, busyNewest: busy[busy.length - 1] ?? 0, busyDeep: busy[Math.floor(busy.length * 0.05)] ?? 0 };
}

/**
 * Notifications: `heavy` for one staff member (remediation, retests, mentions, replies, chat; the
 * old ones read) and `others` spread over everyone else, in the texts and links the app writes.
 */
export function makeNotifications(g: Gen, people: People, work: Work, n: { heavy: number; others: number }, heavy: Person): number {
  const { r, now, sqlite } = g;
  const notify = inserter(sqlite, 'notifications', [
    'user_id',
    'client_id',
    'kind',
    'actor_id',
    'finding_id',
    'text',
    'link',
    'created_at',
    'read_at',
    'emailed_at',
  ]);
  const published = work.findings.filter((f) => f.published);
  const everyone = [...people.staff, ...people.clients.flatMap((c) => c.users.filter((u) => u.active))];
  const short = (t: string) => (t.length > 60 ? `${t.slice(0, 57).trimEnd()}…` : t);
  // A person has at most one unread chat item per client and one unread reply item per finding
  // (the partial unique indexes notifications_chat_unread and _reply_unread): a later one is read.
  const unreadOnce = new Set<string>();
  const row = (to: Person, f: FindingInfo, at: number) => {
    const client = people.clients[f.client]!;
    const actor = r.chance(0.5) && client.talkers.length ? r.pick(client.talkers) : r.pick(people.analysts);
    const side = to.kind === 'staff' ? 'staff' : 'portal';
    const kind =
      to.kind === 'staff'
        ? r.weighted([
            ['remediation', 45],
            ['retest', 10],
            ['mention', 20],
            ['reply', 20],
            ['chat', 5],
          ] as const)
        : r.weighted([
            ['finding_published', 50],
            ['mention', 15],
            ['reply', 20],
            ['remediation', 10],
            ['chat', 5],
          ] as const);
    const text = {
      remediation: to.kind === 'staff' ? `${actor.name} marked “${f.title}” remediated (round 1).` : `“${f.title}”: Verified fixed (round 1).`,
      retest: `${actor.name} (${client.name}) requested a retest of “${f.title}”.`,
      mention: `${actor.name} mentioned you on “${short(f.title)}”`,
      reply: `${actor.name} commented on “${short(f.title)}”`,
      chat:
        to.kind === 'staff'
          ? `New message from ${actor.name} in the chat with ${client.name}`
          : `New message from ${actor.name} in your chat with Datascale Security`,
      finding_published: `New finding published: ${f.title}`,
    }[kind];
    const link =
      kind === 'chat'
        ? side === 'staff'
          ? `/staff/chat/${client.id}`
          : '/portal/chat'
        : kind === 'retest'
          ? '/staff/verification'
          : `/${side}/findings/${f.id}`;
    const once = kind === 'chat' ? `chat|${to.id}|${client.id}` : kind === 'reply' ? `reply|${to.id}|${f.id}` : null;
    let unread = at > now - 60 * DAY ? r.chance(0.6) : r.chance(0.03);
    if (unread && once !== null) {
      unread = !unreadOnce.has(once);
      unreadOnce.add(once);
    }
    notify(
      to.id,
      client.id,
      kind,
      actor.id,
      kind === 'chat' ? null : f.id,
      text,
      link,
      at,
      unread ? null : at + r.int(1, 72) * 3_600_000,
      r.chance(0.3) ? at + 60_000 : null,
    );
  };
  const perClient = people.clients.map(() => [] as FindingInfo[]);
  for (const f of published) perClient[f.client]!.push(f);
  const start = now - 5 * 365 * DAY;
  // Both runs dated in order and merged, so ids ascend with time as the app's inserts make them.
  const mine = sortedTimes(r, n.heavy, start, now - 60_000);
  const theirs = sortedTimes(r, n.others, start, now - 60_000);
  for (let i = 0, j = 0; i < mine.length || j < theirs.length;) {
    if (j >= theirs.length || (i < mine.length && mine[i]! <= theirs[j]!)) {
      row(heavy, r.pick(published), mine[i++]!);
      continue;
    }
    const to = r.pick(everyone);
    const at = theirs[j++]!;
    const own = to.kind === 'portal' ? perClient[to.client]! : published;
    if (to.id !== heavy.id && own.length) row(to, r.pick(own), at);
  }
  return n.heavy;
}
