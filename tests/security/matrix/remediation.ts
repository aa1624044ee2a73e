import { randomUUID } from 'node:crypto';
import type { TestApp } from '../../support/app.js';
import { matrixPng } from '../../support/matrix-fixtures.js';
import { adminOnly, make, managers, other, portal, sharedRead, signedIn, staffOnly, staffWrite, type Ctx, type MatrixEntry, type Owner } from './shapes.js';

/** The authorization matrix for the remediation routes (joined with the core table by the runner). */

const w = (c: Omit<Ctx, 'extra'>) => c.f[c.owner];

/** Only the owning client's Managers (Viewers, Collaborators and staff 403; the other client's people 404). */
const ownManagers = (o: Owner) =>
  make(403, {
    anonymous: 401,
    ...portal(other(o), 404),
    ...(o === 'A' ? { managerA: 'ok' as const } : { userB: 'ok' as const }),
    scopedAnalyst: o === 'A' ? 403 : 404,
  });
/** A Manager's request naming findings of the owner (client from the session): Viewers/Collaborators refused by role first. */
const retestRequesters = (o: Owner) => make(403, { anonymous: 401, managerA: o === 'A' ? 'ok' : 404, userB: o === 'B' ? 'ok' : 404 });
/** A Manager's or staff's upload of evidence: the owner's Viewers/Collaborators 403, the other client's 404. */
const evidenceUploaders = (o: Owner) => make('ok', { anonymous: 401, ...portal(other(o), 404), ...(o === 'A' ? { viewerA: 403, collaboratorA: 403 } : {}) });

/**
 * Put the owner's published finding in Pending verification with a waiting round. Requests of a
 * shared world run their setups at once: the first insert wins, the others change nothing.
 */
async function pendingRound(c: Omit<Ctx, 'extra'>, app: TestApp): Promise<Record<string, string>> {
  const f = w(c).finding;
  await app.db
    .insertInto('remediation_rounds')
    .values({
      id: randomUUID(),
      finding_id: f.id,
      client_id: f.client_id,
      round_no: 1,
      retest_request_id: null,
      submitted_by: w(c).manager.id,
      submitted_at: app.clock(),
      submit_notes: 'Fixed in the matrix.',
      verdict: null,
      verdict_by: null,
      verdict_at: null,
      verdict_notes: null,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  await app.db.updateTable('findings').set({ status: 'pending_verification' }).where('id', '=', f.id).execute();
  return {};
}

/** A retest request of the owner's client, naming its published finding. */
async function retestRequest(c: Omit<Ctx, 'extra'>, app: TestApp): Promise<Record<string, string>> {
  const id = randomUUID();
  const now = app.clock();
  await app.db
    .insertInto('retest_requests')
    .values({
      id,
      client_id: w(c).client.id,
      requested_by: w(c).manager.id,
      message: 'Please retest.',
      status: 'requested',
      scheduled_for: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await app.db
    .insertInto('retest_request_findings')
    .values({ request_id: id, finding_id: w(c).finding.id })
    .execute();
  return { retestId: id };
}

export const REMEDIATION_MATRIX: MatrixEntry[] = [
  { method: 'GET', path: '/api/findings/:id/remediation', expect: sharedRead, params: (c) => ({ id: w(c).finding.id }) },
  {
    method: 'POST',
    path: '/api/findings/:id/remediation/submit',
    expect: ownManagers,
    params: (c) => ({ id: w(c).finding.id }),
    body: () => ({ notes: 'Patched.' }),
    // Staff are refused by rule on a real finding (403) but can't be told a made-up one exists (404).
    madeUp: { analyst: 404, admin: 404, scopedAnalyst: 404 },
  },
  {
    method: 'POST',
    path: '/api/findings/:id/remediation/attachments',
    expect: evidenceUploaders,
    params: (c) => ({ id: w(c).finding.id }),
    raw: { contentType: 'image/png', bytes: () => matrixPng() },
    query: () => ({ name: 'fix.png' }),
  },
  {
    method: 'POST',
    path: '/api/findings/:id/remediation/verdict',
    expect: staffWrite,
    params: (c) => ({ id: w(c).finding.id }),
    body: () => ({ verdict: 'not_fixed', notes: 'Still there.' }),
    setup: pendingRound,
  },
  { method: 'GET', path: '/api/remediation/queue', expect: staffOnly },
  { method: 'GET', path: '/api/remediation/summary', expect: signedIn() },
  { method: 'GET', path: '/api/retests', expect: signedIn() },
  // The findings a Manager may name in a request: the session's client's Managers only.
  { method: 'GET', path: '/api/retests/eligible', expect: managers },
  { method: 'POST', path: '/api/retests', expect: retestRequesters, body: (c) => ({ findingIds: [c.f[c.owner].finding.id], message: 'Please retest.' }) },
  {
    method: 'PATCH',
    path: '/api/retests/:id',
    expect: staffWrite,
    params: (c) => ({ id: c.extra.retestId! }),
    body: () => ({ status: 'scheduled', scheduledFor: '2026-12-01' }),
    setup: retestRequest,
  },
  { method: 'GET', path: '/api/firm/remediation-targets', expect: staffOnly },
  { method: 'PUT', path: '/api/firm/remediation-targets', expect: adminOnly, body: () => ({ critical: 5, high: 20, medium: 60, low: 120 }) },
];
