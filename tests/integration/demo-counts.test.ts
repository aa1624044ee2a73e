import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRow } from '../../db/schema.js';
import { OPEN_STATUSES } from '../../server/contracts/portal.js';
import { pgTestDatabase, startTestApp, tempDir, type TestApp } from '../support/app.js';
import { signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { runScript } from '../support/scripts.js';

/**
 * Issue 18, point 13, over HTTP on the data `npm run demo` makes (its own process, then the real
 * app on that database): for every role, each count a page shows equals the list behind it, every
 * status came through the workflow (a finding waiting for verification has its open round and
 * its retest request; a verdict has its round), and every queue item takes a verdict.
 */

const dir = tempDir();
const onPostgres = !!process.env.TEST_PG_URL;
let app: TestApp;
let people: UserRow[];
let stopPg = () => {};
beforeAll(async () => {
  const pg = onPostgres ? await pgTestDatabase() : null;
  stopPg = pg?.stop ?? stopPg;
  const env = { DATA_DIR: dir, ...(pg ? { DATABASE_URL: pg.url } : {}) };
  const r = runScript('seed', env);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  app = await startTestApp(env);
  people = await app.db.selectFrom('users').selectAll().orderBy('email').execute();
}, 180_000);
afterAll(async () => {
  await app?.close();
  stopPg();
  rmSync(dir, { recursive: true, force: true });
});

const as = async (role: string, clientName?: string): Promise<Agent> => {
  const clients = await app.db.selectFrom('clients').select(['id', 'name']).execute();
  const clientId = clientName ? clients.find((c) => c.name === clientName)!.id : null;
  return signIn(
    app,
    people.find((p) => p.role === role && p.client_id === clientId)!,
  );
};
const ok = async (agent: Agent, path: string) => {
  const res = await agent.get(path);
  expect(res.status, `${path}: ${res.text}`).toBe(200);
  return res.body;
};

describe('the demo data', () => {
  it('every status has the history the workflow gives it', async () => {
    const findings = await app.db.selectFrom('findings').select(['id', 'status', 'published']).execute();
    const rounds = await app.db.selectFrom('remediation_rounds').selectAll().execute();
    for (const f of findings) {
      const mine = rounds.filter((r) => r.finding_id === f.id);
      if (f.status === 'pending_verification') {
        expect(mine.filter((r) => r.verdict === null)).toHaveLength(1);
        expect(mine.find((r) => r.verdict === null)!.retest_request_id).not.toBeNull();
      }
      if (['verified_fixed', 'not_fixed', 'partially_fixed'].includes(f.status)) expect(mine.at(-1)!.verdict).toBe(f.status);
      if (f.status === 'open') expect(mine).toEqual([]);
      // Published through the command: the history starts at publication, and each move is a row.
      const history = await app.db.selectFrom('finding_status_history').select('to_status').where('finding_id', '=', f.id).orderBy('id').execute();
      if (f.published) expect(history.at(-1)!.to_status).toBe(f.status);
    }
    // The workflow's own trail: audit rows of publication, submission and verdict, and the event log.
    const actions = new Set((await app.db.selectFrom('audit_events').select('action').execute()).map((a) => a.action));
    for (const a of ['finding.published', 'remediation.submitted', 'remediation.verdict_given', 'retest.requested']) expect(actions).toContain(a);
    expect(
      Number(
        (
          await app.db
            .selectFrom('client_events')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ).toBeGreaterThan(0);
    // No demo session is left behind.
    expect(await app.db.selectFrom('sessions').select('id').execute()).toEqual([]);
  });

  it('staff (admin and analyst): "Waiting for verification" equals the queue; every project is listed apart by phase', async () => {
    for (const role of ['admin', 'analyst']) {
      const agent = await as(role);
      const { summary } = await ok(agent, '/api/remediation/summary');
      const { queue } = await ok(agent, '/api/remediation/queue?limit=100');
      expect(summary.pending).toBeGreaterThan(0);
      expect(queue).toHaveLength(summary.pending);
      expect(new Set(queue.map((q: { findingId: string }) => q.findingId)).size).toBe(queue.length);
      for (const q of queue) expect(q.retest).not.toBeNull();
    }
  });

  it('every client role: Home’s counts equal the lists behind them', async () => {
    for (const clientName of ['Contoso Ltd', 'Fabrikam Inc']) {
      for (const role of ['manager', 'collaborator', 'viewer']) {
        const agent = await as(role, clientName);
        const dash = await ok(agent, '/api/portal/dashboard');
        const { projects } = await ok(agent, '/api/portal/projects');
        const { summary } = await ok(agent, '/api/remediation/summary');
        expect(dash.activeProjects).toBe(projects.filter((p: { status: string }) => p.status === 'active').length);
        expect(projects.filter((p: { status: string }) => p.status === 'planned')).toHaveLength(1);
        const all: { status: string; severity: string }[] = [];
        for (const p of projects) {
          const page = await ok(agent, `/api/portal/projects/${p.id}/findings?limit=200`);
          expect(page.findings).toHaveLength(page.matching);
          expect(page.findings).toHaveLength(p.findingCounts.total);
          expect(page.findings.filter((f: { status: string }) => (OPEN_STATUSES as readonly string[]).includes(f.status))).toHaveLength(p.findingCounts.open);
          all.push(...page.findings);
          const waiting = await ok(agent, `/api/portal/projects/${p.id}/findings?status=pending_verification&limit=200`);
          expect(waiting.matching).toBe(page.findings.filter((f: { status: string }) => f.status === 'pending_verification').length);
        }
        const open = all.filter((f) => (OPEN_STATUSES as readonly string[]).includes(f.status));
        expect(Object.values(dash.openBySeverity as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(open.length);
        expect(summary.pending).toBe(all.filter((f) => f.status === 'pending_verification').length);
        expect(summary.verifiedFixed).toBe(all.filter((f) => f.status === 'verified_fixed').length);
      }
    }
  });

  it('every queue item takes a verdict, after which the queue and the count are both empty', async () => {
    const analyst = await as('analyst');
    const { queue } = await ok(analyst, '/api/remediation/queue?limit=100');
    for (const q of queue) {
      const res = await analyst.post(`/api/findings/${q.findingId}/remediation/verdict`, { verdict: 'verified_fixed', notes: 'Retested.' });
      expect(res.status, res.text).toBe(200);
      expect(res.body.remediation.rounds.find((r: { id: string }) => r.id === q.roundId).verdict).toBe('verified_fixed');
    }
    expect((await ok(analyst, '/api/remediation/queue')).queue).toEqual([]);
    expect((await ok(analyst, '/api/remediation/summary')).summary.pending).toBe(0);
  });
});
