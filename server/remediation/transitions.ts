import type { FindingStatus, RetestStatus, UserRow } from '../../db/schema.js';

/**
 * THE finding-status transition table of the remediation workflow. Every status change goes
 * through `checkTransition`, whichever route makes it (a client Manager's submission, a staff
 * verdict, a staff status change, a retest request). A move that is not a row here is refused
 * with a message that names the current status and what is allowed from it.
 */

/** Who acts: a client Manager, or the firm's staff (admins and analysts). Viewers and Collaborators: nobody. */
export type Actor = 'manager' | 'staff';

interface Transition {
  from: FindingStatus;
  to: FindingStatus;
  by: readonly Actor[];
}

const t = (from: FindingStatus, to: FindingStatus, ...by: Actor[]): Transition => ({ from, to, by });

/**
 * Every allowed move; anything else is refused. Two moves carry a round with them, whatever
 * route makes them: into Pending verification opens a round (notes required: what was fixed),
 * out of it closes the waiting round with the verdict (notes required unless verified fixed).
 */
const TRANSITIONS: readonly Transition[] = [
  // The client says it is fixed (staff may record a fix the client reported another way).
  t('open', 'pending_verification', 'manager', 'staff'),
  t('not_fixed', 'pending_verification', 'manager', 'staff'),
  t('partially_fixed', 'pending_verification', 'manager', 'staff'),
  // The firm's verdict on the waiting round: the only way out of Pending verification.
  t('pending_verification', 'verified_fixed', 'staff'),
  t('pending_verification', 'not_fixed', 'staff'),
  t('pending_verification', 'partially_fixed', 'staff'),
  // The firm's decisions outside a round.
  t('open', 'risk_accepted', 'staff'),
  t('open', 'closed', 'staff'),
  t('not_fixed', 'risk_accepted', 'staff'),
  t('not_fixed', 'closed', 'staff'),
  t('partially_fixed', 'risk_accepted', 'staff'),
  t('partially_fixed', 'closed', 'staff'),
  t('verified_fixed', 'closed', 'staff'),
  t('verified_fixed', 'open', 'staff'),
  t('risk_accepted', 'open', 'staff'),
  t('risk_accepted', 'closed', 'staff'),
  t('closed', 'open', 'staff'),
];

/** The words people read for each status. */
export const STATUS_LABELS: Record<FindingStatus, string> = {
  open: 'Open',
  pending_verification: 'Pending verification',
  verified_fixed: 'Verified fixed',
  not_fixed: 'Not fixed',
  partially_fixed: 'Partially fixed',
  risk_accepted: 'Risk accepted',
  closed: 'Closed',
};

/** The verdict statuses: the move out of Pending verification that closes its round. */
export const VERDICT_STATUSES: readonly FindingStatus[] = ['verified_fixed', 'not_fixed', 'partially_fixed'];

/** The actor a user is in this table: staff (admin/analyst), a client Manager, or nobody (Viewers, Collaborators). */
export function actorOf(user: Pick<UserRow, 'kind' | 'role'>): Actor | null {
  if (user.kind === 'staff') return user.role === 'admin' || user.role === 'analyst' ? 'staff' : null;
  return user.role === 'manager' ? 'manager' : null;
}

/** The statuses an actor may move a finding to from `from`. */
export function allowedFrom(from: FindingStatus, actor: Actor | null): FindingStatus[] {
  return actor ? TRANSITIONS.filter((x) => x.from === from && x.by.includes(actor)).map((x) => x.to) : [];
}

/**
 * What the staff "Change status" route may offer and make: the table's moves, minus the verdicts
 * while a round is open. A verdict closes a named round, so it is given only through the verdict
 * route (its dialog names the round), never as a bare status change.
 */
export function statusChangesFrom(from: FindingStatus, actor: Actor | null): FindingStatus[] {
  return allowedFrom(from, actor).filter((to) => !(from === 'pending_verification' && VERDICT_STATUSES.includes(to)));
}

export type TransitionCheck = { ok: true } | { ok: false; reason: 'role' | 'state'; message: string };

/**
 * Whether `actor` may move a finding from `from` to `to`. `reason: 'role'` = this actor never
 * sets `to` (403); `'state'` = not from the current status (409). The message names the current
 * status and what this actor may do from it.
 */
export function checkTransition(from: FindingStatus, to: FindingStatus, actor: Actor | null): TransitionCheck {
  if (actor && TRANSITIONS.some((x) => x.from === from && x.to === to && x.by.includes(actor))) return { ok: true };
  const mine = allowedFrom(from, actor);
  const list = mine.length ? mine.map((s) => STATUS_LABELS[s]).join(', ') : 'no change';
  const everMine = !!actor && TRANSITIONS.some((x) => x.to === to && x.by.includes(actor));
  const who = actor === 'manager' ? 'a client Manager' : actor === 'staff' ? 'the firm' : 'you';
  const message = everMine
    ? `This finding is ${STATUS_LABELS[from]}: it can't become ${STATUS_LABELS[to]} from there. Allowed from ${STATUS_LABELS[from]}: ${list}.`
    : `Only ${to === 'pending_verification' ? 'a client Manager or the firm' : "the firm's staff"} can set ${STATUS_LABELS[to]}; ${who} can't. This finding is ${STATUS_LABELS[from]}; allowed for you: ${list}.`;
  return { ok: false, reason: everMine ? 'state' : 'role', message };
}

/** Retest requests: requested → scheduled → done (or straight to done). Staff move them. */
const RETEST_TRANSITIONS: readonly { from: RetestStatus; to: RetestStatus }[] = [
  { from: 'requested', to: 'scheduled' },
  { from: 'requested', to: 'done' },
  { from: 'scheduled', to: 'done' },
  // A new date for a scheduled retest.
  { from: 'scheduled', to: 'scheduled' },
];

/** Whether a retest request may move from one status to another; the message names what is allowed. */
export function checkRetestTransition(from: RetestStatus, to: RetestStatus): TransitionCheck {
  if (RETEST_TRANSITIONS.some((x) => x.from === from && x.to === to)) return { ok: true };
  const allowed = RETEST_TRANSITIONS.filter((x) => x.from === from).map((x) => x.to);
  return {
    ok: false,
    reason: 'state',
    message: `This retest request is ${from}; it can't become ${to}. Allowed: ${allowed.length ? [...new Set(allowed)].join(', ') : 'nothing (it is done)'}.`,
  };
}

/**
 * The deadline clock's pause fields after a move: paused from the moment a finding waits for
 * verification, and the paused time added up when it leaves that status.
 */
export function pauseAfter(
  f: { due_paused_ms: number; due_paused_at: number | null },
  to: FindingStatus,
  now: number,
): { due_paused_ms: number; due_paused_at: number | null } {
  if (to === 'pending_verification') return { due_paused_ms: f.due_paused_ms, due_paused_at: f.due_paused_at ?? now };
  if (f.due_paused_at != null) return { due_paused_ms: f.due_paused_ms + Math.max(0, now - f.due_paused_at), due_paused_at: null };
  return { due_paused_ms: f.due_paused_ms, due_paused_at: null };
}
