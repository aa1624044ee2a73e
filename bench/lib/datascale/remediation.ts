import type { FindingStatus, RemediationRoundRow, Severity } from '../../../db/schema.js';
import { DAY } from './rand.js';
import { inserter, logEvent, type ClientInfo, type Gen, type Person } from './gen.js';
import { roundNotes, verdictNotes } from './text.js';

/**
 * A published finding's remediation story, written the way the app's one status move
 * (server/commands/remediation/move.ts) writes it: every move a row of the status history; into
 * Pending verification a new round (notes, submitter), out of it the round's verdict; the
 * deadline clock paused while waiting; rounds of a retest campaign linked to its request.
 */

type Verdict = 'verified_fixed' | 'not_fixed' | 'partially_fixed';

/** The most findings one retest request names (a Manager picks them in a dialog). */
const REQUEST_MAX = 50;

/** A moment when the client sends fixes for verification; with a retest request or not. */
export interface Campaign {
  at: number;
  request: { id: string; requester: Person; message: string } | null;
  /** Findings with a round in this campaign's request, and those rounds. */
  findings: string[];
  rounds: Round[];
}

/** A round as stored, before its client is set from its finding. */
type Round = Omit<RemediationRoundRow, 'client_id'>;

interface Move {
  from: FindingStatus | null;
  to: FindingStatus;
  note: string;
  actor: string;
  at: number;
}

export interface Story {
  status: FindingStatus;
  pausedMs: number;
  pausedAt: number | null;
  updatedAt: number;
  moves: Move[];
  rounds: Round[];
}

/** The campaigns of a project: the first a month or two after it starts, then every one to three months, none in the future. */
export function campaignsOf(g: Gen, c: ClientInfo, start: number): Campaign[] {
  const out: Campaign[] = [];
  for (let at = start + g.r.range(30, 60) * DAY; at < g.now - DAY && out.length < 8; at += g.r.range(40, 90) * DAY) {
    const requester = c.managers.length && g.r.chance(0.4) ? g.r.pick(c.managers) : null;
    out.push({ at: Math.floor(at), request: requester ? { id: g.r.uuid(), requester, message: roundNotes(g.r) } : null, findings: [], rounds: [] });
  }
  return out;
}

/**
 * Plan one published finding's story. `forced` (the big finding) gives the verdicts of its rounds
 * in order, `null` for a round still waiting.
 */
export function planStory(
  g: Gen,
  f: { id: string; severity: Severity; publishedAt: number; publisher: string; team: Person[]; client: ClientInfo },
  campaigns: Campaign[],
  forced?: (Verdict | null)[],
): Story {
  const { r, now } = g;
  const s: Story = { status: 'open', pausedMs: 0, pausedAt: null, updatedAt: f.publishedAt, moves: [], rounds: [] };
  s.moves.push({ from: null, to: 'open', note: '', actor: f.publisher, at: f.publishedAt });
  const move = (to: FindingStatus, note: string, actor: string, at: number) => {
    s.moves.push({ from: s.status, to, note, actor, at });
    s.status = to;
    s.updatedAt = at;
  };
  for (let k = 0; k < campaigns.length; k++) {
    const c = campaigns[k]!;
    if (c.at <= s.updatedAt || !['open', 'not_fixed', 'partially_fixed'].includes(s.status)) continue;
    if (forced ? s.rounds.length >= forced.length : !r.chance(k === 0 ? (f.severity === 'informational' ? 0.2 : 0.75) : 0.7)) continue;
    // A retest request names at most REQUEST_MAX findings; the rest of the campaign is submitted one by one.
    const request = c.request && c.findings.length < REQUEST_MAX ? c.request : null;
    const submittedAt = request ? c.at : Math.min(now - 3_600_000, Math.floor(c.at + r.range(0, 3) * DAY));
    const submitter = request?.requester ?? (f.client.managers.length && r.chance(0.9) ? r.pick(f.client.managers) : r.pick(f.team));
    const notes = request?.message ?? roundNotes(r);
    move('pending_verification', notes, submitter.id, submittedAt);
    const round: Round = {
      id: r.uuid(),
      finding_id: f.id,
      round_no: s.rounds.length + 1,
      retest_request_id: request?.id ?? null,
      submitted_by: submitter.id,
      submitted_at: submittedAt,
      submit_notes: notes,
      verdict: null,
      verdict_by: null,
      verdict_at: null,
      verdict_notes: null,
    };
    s.rounds.push(round);
    if (request) {
      c.rounds.push(round);
      c.findings.push(f.id);
    }
    const waited = forced ? 10 * DAY : Math.floor(DAY / 2 + r.exp(5 * DAY));
    const verdict = forced
      ? forced[s.rounds.length - 1]!
      : submittedAt + waited < now
        ? r.weighted<Verdict>([
            ['verified_fixed', 70],
            ['not_fixed', 18],
            ['partially_fixed', 12],
          ])
        : null;
    if (verdict === null) {
      s.pausedAt = submittedAt;
      break;
    }
    const judge = r.pick(f.team);
    const at = Math.min(now - 60_000, submittedAt + waited);
    Object.assign(round, { verdict, verdict_by: judge.id, verdict_at: at, verdict_notes: verdict === 'verified_fixed' ? '' : verdictNotes(r) });
    s.pausedMs += at - submittedAt;
    move(verdict, round.verdict_notes!, judge.id, at);
  }
  if (forced) return s;
  const later = (lo: number, hi: number) => Math.floor(s.updatedAt + r.range(lo, hi) * DAY);
  const decide = (to: FindingStatus, at: number) =>
    at < now && move(to, to === 'risk_accepted' ? 'Accepted by the client until the system is retired.' : '', r.pick(f.team).id, at);
  if (s.status === 'verified_fixed' && r.chance(0.25)) decide('closed', later(5, 60));
  else if (s.status === 'open' && r.chance(0.08)) decide('risk_accepted', later(20, 200));
  else if (s.status === 'open' && r.chance(0.04)) decide('closed', later(20, 200));
  else if ((s.status === 'not_fixed' || s.status === 'partially_fixed') && r.chance(0.1)) decide('risk_accepted', later(10, 90));
  return s;
}

/**
 * Write a project's retest requests (only those that got a finding), their rounds and every
 * finding's status history; log the recent moves. Findings must already be written.
 */
export function writeRemediation(g: Gen, clientId: string, campaigns: Campaign[], stories: Map<string, Story>): { requests: number; rounds: number } {
  const { r, sqlite } = g;
  const request = inserter(sqlite, 'retest_requests', ['id', 'client_id', 'requested_by', 'message', 'status', 'scheduled_for', 'created_at', 'updated_at']);
  const link = inserter(sqlite, 'retest_request_findings', ['request_id', 'finding_id']);
  const round = inserter(sqlite, 'remediation_rounds', [
    'id',
    'finding_id',
    'client_id',
    'round_no',
    'retest_request_id',
    'submitted_by',
    'submitted_at',
    'submit_notes',
    'verdict',
    'verdict_by',
    'verdict_at',
    'verdict_notes',
  ]);
  const history = inserter(sqlite, 'finding_status_history', ['finding_id', 'client_id', 'from_status', 'to_status', 'note', 'actor_id', 'at']);
  let requests = 0;
  for (const c of campaigns) {
    if (!c.request || !c.findings.length) continue;
    const open = c.rounds.some((x) => x.verdict === null);
    const status = open ? (r.chance(0.4) ? 'scheduled' : 'requested') : 'done';
    const scheduled = status === 'scheduled' ? new Date(c.at + 7 * DAY).toISOString().slice(0, 10) : null;
    const updated = open ? c.at : Math.max(...c.rounds.map((x) => x.verdict_at ?? c.at));
    request(c.request.id, clientId, c.request.requester.id, c.request.message, status, scheduled, c.at, updated);
    for (const f of c.findings) link(c.request.id, f);
    requests++;
  }
  let rounds = 0;
  for (const [findingId, s] of stories) {
    for (const x of s.rounds) {
      round(
        x.id,
        x.finding_id,
        clientId,
        x.round_no,
        x.retest_request_id,
        x.submitted_by,
        x.submitted_at,
        x.submit_notes,
        x.verdict,
        x.verdict_by,
        x.verdict_at,
        x.verdict_notes,
      );
      rounds++;
    }
    for (const m of s.moves) {
      history(findingId, clientId, m.from, m.to, m.note, m.actor, m.at);
      const type = m.from === null ? 'finding:published' : 'remediation:updated';
      logEvent(g, { at: m.at, client_id: clientId, type, audience: 'all', entity_id: findingId, data: '{}' });
    }
  }
  return { requests, rounds };
}
