import http from 'node:http';
import { appendAuditRows } from '../../server/audit.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Insertable } from 'kysely';
import type { AuditEventTable, ClientRow, UserRow } from '../../db/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';

/**
 * Reading the audit trail over HTTP (issue 15, points 12, 13, 17): every filter of the Audit page,
 * keyset paging while rows arrive, the free-text search, the exports (CSV neutralised, JSON Lines
 * with every column as stored, streamed), who may read (admins; analysts only when the firm allows,
 * then read-only), and a client Manager's Access log (own people only: never another client's
 * rows, staff rows or attempts on e-mails that are not theirs). Runs on the run's database.
 */

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-10T12:00:00Z');
let app: TestApp;
let clientA: ClientRow;
let clientB: ClientRow;
let admin: UserRow;
let analyst: UserRow;
let managerA: UserRow;
let viewerA: UserRow;
let managerB: UserRow;
const as: Record<'admin' | 'analyst' | 'managerA' | 'viewerA' | 'managerB', Agent> = {} as never;

async function seed(row: Partial<Insertable<AuditEventTable>> & { action: string }): Promise<number> {
  await appendAuditRows(app.db, [{ at: T0, outcome: 'success', source: 'server', ...row }]);
  const r = await app.db.selectFrom('audit_events').select('id').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  return Number(r.id);
}
const ids = (body: { rows: { id: number }[] }) => body.rows.map((r) => r.id);
/** The ids of the seeded rows (the marker tag) a query returns: the readers' own audit.viewed rows are left out. */
const seeded = (body: { rows: { id: number; action: string }[] }) => body.rows.filter((r) => !r.action.startsWith('audit.')).map((r) => r.id);

let rows: Record<string, number> = {};
beforeAll(async () => {
  app = await startTestApp();
  await buildFirm(app.db);
  clientA = await buildClient(app.db, { name: 'Northwind' });
  clientB = await buildClient(app.db, { name: 'Contoso' });
  admin = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' });
  analyst = await buildStaff(app.db, { role: 'analyst' });
  managerA = await buildPortalUser(app.db, { client_id: clientA.id, role: 'manager', email: 'mia@northwind.test', name: 'Mia Manager' });
  viewerA = await buildPortalUser(app.db, { client_id: clientA.id, role: 'viewer', email: 'vic@northwind.test' });
  managerB = await buildPortalUser(app.db, { client_id: clientB.id, role: 'manager', email: 'bo@contoso.test' });
  for (const [k, u] of Object.entries({ admin, analyst, managerA, viewerA, managerB })) as[k as keyof typeof as] = await signIn(app, u);
  const vA = { client_id: clientA.id, actor_id: viewerA.id, actor_email: viewerA.email, actor_kind: 'portal' };
  rows = {
    viewerLogin: await seed({ ...vA, action: 'auth.login', ip: '203.0.113.7', at: T0 - 3 * DAY }),
    viewerDownload: await seed({ ...vA, action: 'report.downloaded', target_type: 'report', target_id: 'rep-42', at: T0 - 2 * DAY }),
    viewerPage: await seed({ ...vA, action: 'page.viewed', target_type: 'page', target_id: '/portal/reports', source: 'browser', at: T0 - DAY }),
    failedOnViewer: await seed({
      client_id: clientA.id,
      actor_email: viewerA.email,
      actor_kind: 'anonymous',
      action: 'auth.login',
      outcome: 'failure',
      target_type: 'user',
      target_id: viewerA.id,
      ip: '198.51.100.9',
    }),
    unknownEmail: await seed({ actor_email: 'stranger@evil.test', actor_kind: 'anonymous', action: 'auth.login', outcome: 'failure', ip: '198.51.100.10' }),
    // A failure tagged with client A but naming client B's account: never on A's log.
    mislabelled: await seed({
      client_id: clientA.id,
      actor_kind: 'anonymous',
      action: 'auth.login',
      outcome: 'failure',
      target_type: 'user',
      target_id: managerB.id,
    }),
    staffOnA: await seed({ client_id: clientA.id, actor_id: admin.id, actor_email: admin.email, actor_kind: 'staff', action: 'user.updated', ip: '10.9.9.9' }),
    bRow: await seed({
      client_id: clientB.id,
      actor_id: managerB.id,
      actor_email: managerB.email,
      actor_kind: 'portal',
      action: 'comment.created',
      target_type: 'comment',
      target_id: 'c-1',
    }),
    formula: await seed({
      client_id: clientB.id,
      actor_kind: 'anonymous',
      actor_email: '=HYPERLINK("http://evil.test")',
      action: 'auth.login',
      outcome: 'denied',
      user_agent: '@SUM(1+1)',
    }),
  };
});
afterAll(() => app?.close());

describe('GET /api/audit (the staff Audit page)', () => {
  it('lists every row newest first for an admin, with names, the browser-reported mark and parsed details', async () => {
    const res = await as.admin.get('/api/audit?limit=200');
    expect(res.status, res.text).toBe(200);
    expect(seeded(res.body)).toEqual(Object.values(rows).sort((a, b) => b - a));
    const page = res.body.rows.find((r: { id: number }) => r.id === rows.viewerPage);
    expect(page).toMatchObject({ source: 'browser', clientName: 'Northwind', actorKind: 'portal', targetId: '/portal/reports' });
    expect(res.body.rows.find((r: { id: number }) => r.id === rows.staffOnA)).toMatchObject({ actorName: 'Ada Admin', source: 'server' });
  });

  it('filters by client, person, action, group prefix, outcome, date range and free text', async () => {
    const q = async (query: string) => {
      const res = await as.admin.get(`/api/audit?limit=200&${query}`);
      expect(res.status, `${query}: ${res.text}`).toBe(200);
      return seeded(res.body).sort((a, b) => a - b);
    };
    const sorted = (...x: number[]) => x.sort((a, b) => a - b);
    expect(await q(`clientId=${clientB.id}`)).toEqual(sorted(rows.bRow!, rows.formula!));
    expect(await q(`actorId=${viewerA.id}`)).toEqual(sorted(rows.viewerLogin!, rows.viewerDownload!, rows.viewerPage!));
    expect(await q('action=report.downloaded')).toEqual([rows.viewerDownload]);
    expect(await q('action=auth.')).toEqual(sorted(rows.viewerLogin!, rows.failedOnViewer!, rows.unknownEmail!, rows.mislabelled!, rows.formula!));
    expect(await q('outcome=denied')).toEqual([rows.formula]);
    expect(await q('from=2026-03-07&to=2026-03-08')).toEqual(sorted(rows.viewerLogin!, rows.viewerDownload!));
    expect(await q('from=2026-03-09')).not.toContain(rows.viewerDownload);
    expect(await q('q=stranger%40evil.test')).toEqual([rows.unknownEmail]);
    expect(await q('q=198.51.100.9')).toEqual([rows.failedOnViewer]);
    expect(await q('q=rep-42')).toEqual([rows.viewerDownload]);
    expect(await q(`q=rep-42&clientId=${clientB.id}`)).toEqual([]);
    expect(await q(`clientId=${clientA.id}&action=auth.&outcome=failure`)).toEqual(sorted(rows.failedOnViewer!, rows.mislabelled!));
  });

  it('refuses bad filters with a clear 400 and changes nothing', async () => {
    const before = await app.db
      .selectFrom('audit_events')
      .select((e) => e.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    for (const bad of ['outcome=maybe', 'from=2026-02-30', 'from=2026-03-09&to=2026-03-01', 'action=drop%20table', 'after=nonsense', 'limit=0', 'sort=id']) {
      const res = await as.admin.get(`/api/audit?${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const after = await app.db
      .selectFrom('audit_events')
      .select((e) => e.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('pages by id with no gap and no repeat while rows are being written', async () => {
    const tag = `page-${Date.now()}`;
    const older: number[] = [];
    for (let i = 0; i < 23; i++) older.push(await seed({ action: 'finding.updated', target_type: 'finding', target_id: tag }));
    const seen: number[] = [];
    let after: string | null = null;
    let writes = 0;
    do {
      const res: { status: number; body: { rows: { id: number }[]; next: string | null } } = await as.admin.get(
        `/api/audit?action=finding.updated&q=${tag}&limit=5${after ? `&after=${after}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...ids(res.body));
      after = res.body.next;
      // Newer rows arrive between pages: they belong above the first page, never inside the walk.
      await seed({ action: 'finding.updated', target_type: 'finding', target_id: tag });
      writes++;
    } while (after);
    expect(seen).toEqual([...older].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    expect(writes).toBe(5);
  });

  it('audits each read (audit.viewed, with the filters) and each refusal', async () => {
    await as.admin.get(`/api/audit?clientId=${clientA.id}&q=hello`);
    const row = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'audit.viewed').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ actor_id: admin.id, outcome: 'success', actor_kind: 'staff' });
    expect(JSON.parse(row.details!)).toMatchObject({ filters: { clientId: clientA.id, q: 'hello' }, page: 'first' });
    expect((await as.analyst.get('/api/audit')).status).toBe(403);
    const denied = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'audit.viewed').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(denied).toMatchObject({ actor_id: analyst.id, outcome: 'denied' });
  });
});

describe('who reads the Audit page', () => {
  it('refuses anonymous (401), portal users and Managers (403), and analysts while the firm has not allowed it (403)', async () => {
    const anon = await fetch(`${app.url}/api/audit`, { headers: { origin: app.url } });
    expect(anon.status).toBe(401);
    for (const a of [as.managerA, as.viewerA, as.managerB, as.analyst]) {
      expect((await a.get('/api/audit')).status).toBe(403);
      expect((await a.get('/api/audit/export?format=csv')).status).toBe(403);
      expect((await a.get('/api/audit/meta')).status).toBe(403);
    }
    expect((await as.analyst.get('/api/session')).body.auditReadable).toBe(false);
    expect((await as.admin.get('/api/session')).body.auditReadable).toBe(true);
  });

  it('lets analysts read (not change the settings) once an admin allows it; the change is audited with before and after', async () => {
    expect((await as.analyst.put('/api/audit/settings', { analystsRead: true, retentionDays: 90 })).status).toBe(403);
    const bad = await as.admin.put('/api/audit/settings', { analystsRead: true, retentionDays: 10 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/at least 30 days/);
    expect((await as.admin.put('/api/audit/settings', { analystsRead: 'yes', retentionDays: 90 })).status).toBe(400);
    expect((await as.admin.get('/api/audit/settings')).body).toEqual({ analystsRead: false, retentionDays: 400 });

    const ok = await as.admin.put('/api/audit/settings', { analystsRead: true, retentionDays: null });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toEqual({ analystsRead: true, retentionDays: null });
    const firm = await app.db.selectFrom('firm').select(['analysts_read_audit', 'audit_retention_days']).executeTakeFirstOrThrow();
    expect(firm).toEqual({ analysts_read_audit: 1, audit_retention_days: null });
    const row = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'firm.audit_settings_updated').executeTakeFirstOrThrow();
    expect(JSON.parse(row.details!)).toEqual({ before: { analystsRead: false, retentionDays: 400 }, after: { analystsRead: true, retentionDays: null } });

    expect((await as.analyst.get('/api/audit')).status).toBe(200);
    expect((await as.analyst.get('/api/audit/meta')).body.canManage).toBe(false);
    expect((await as.analyst.get('/api/audit/settings')).status).toBe(403);
    expect((await as.analyst.put('/api/audit/settings', { analystsRead: false, retentionDays: 400 })).status).toBe(403);
    await as.admin.put('/api/audit/settings', { analystsRead: false, retentionDays: 400 });
    expect((await as.analyst.get('/api/audit')).status).toBe(403);
  });
});

describe('GET /api/audit/export', () => {
  it('CSV: every column, formula-looking cells neutralised, quotes escaped, a download that is not sniffed or cached', async () => {
    const res = await as.admin.get(`/api/audit/export?format=csv&clientId=${clientB.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-\d{4}-\d{2}-\d{2}\.csv"/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toMatch(/^"id","at","actor_id","actor_email","client_id","action"/);
    // Client B's seeded rows (its Manager's refused attempts at the Audit page are B's rows too).
    expect(
      lines.filter((l) => !l.includes('"audit.')),
      res.text,
    ).toHaveLength(3);
    expect(res.text).toContain(`"'=HYPERLINK(""http://evil.test"")"`);
    expect(res.text).toContain(`"'@SUM(1+1)"`);
    expect(res.text).not.toMatch(/(^|,)"[=+\-@]/m);
    const row = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'audit.exported').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(JSON.parse(row.details!)).toEqual({ filters: { clientId: clientB.id }, format: 'csv' });
  });

  it('JSON Lines: one object per line, keys exactly the audit_events columns, values as stored', async () => {
    const res = await as.admin.get(`/api/audit/export?format=jsonl&actorId=${viewerA.id}`);
    expect(res.status).toBe(200);
    const lines = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const stored = await app.db.selectFrom('audit_events').selectAll().where('actor_id', '=', viewerA.id).orderBy('id').execute();
    expect(lines).toEqual(stored.map((r) => ({ ...r, id: Number(r.id), at: Number(r.at) })));
    expect(Object.keys(lines[0]!)).toEqual(Object.keys(stored[0]!));
  });

  it('streams a large export in chunks (never the whole file at once), and refuses a bad format', async () => {
    const many = Array.from({ length: 6000 }, (_, i) => ({
      at: T0,
      action: 'chat.read',
      outcome: 'success',
      target_type: 'chat',
      target_id: `bulk-${i}`,
      user_agent: 'x'.repeat(200),
    }));
    for (let i = 0; i < many.length; i += 500) await appendAuditRows(app.db, many.slice(i, i + 500));
    const chunks = await new Promise<number[]>((resolve, reject) => {
      const req = http.get(`${app.url}/api/audit/export?format=jsonl&action=chat.read`, { headers: { cookie: as.admin.cookie!, origin: app.url } }, (res) => {
        const sizes: number[] = [];
        res.on('data', (c: Buffer) => sizes.push(c.length));
        res.on('end', () => resolve(sizes));
        res.on('error', reject);
      });
      req.on('error', reject);
    });
    const total = chunks.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(6000 * 200);
    expect(chunks.length).toBeGreaterThan(3);
    expect(Math.max(...chunks)).toBeLessThan(total / 2);
    expect((await as.admin.get('/api/audit/export?format=xlsx')).status).toBe(400);
    expect((await as.admin.get('/api/audit/export')).status).toBe(400);
  });
});

describe("GET /api/portal/access-log (a client Manager's Access log)", () => {
  it("shows the Manager's own people only: sign-ins, failures on their accounts, page views, downloads — never staff, other clients or unknown e-mails", async () => {
    const res = await as.managerA.get('/api/portal/access-log?limit=200');
    expect(res.status, res.text).toBe(200);
    const got = ids(res.body).filter((id) => Object.values(rows).includes(id));
    expect(got.sort((a, b) => a - b)).toEqual([rows.viewerLogin, rows.viewerDownload, rows.viewerPage, rows.failedOnViewer].sort((a, b) => a! - b!));
    const text = JSON.stringify(res.body);
    for (const secret of ['10.9.9.9', admin.email, 'stranger@evil.test', managerB.email, clientB.id, 'requestId', 'details'])
      expect(text).not.toContain(secret);
    expect(res.body.people.map((p: { email: string }) => p.email).sort()).toEqual(['mia@northwind.test', 'vic@northwind.test']);
    // Manager B sees B's own, never A's.
    const b = await as.managerB.get('/api/portal/access-log');
    expect(ids(b.body)).toContain(rows.bRow);
    expect(ids(b.body)).not.toContain(rows.viewerLogin);
  });

  it('filters by person, activity group and dates; a client id in the query is refused', async () => {
    const q = async (query: string) => ids((await as.managerA.get(`/api/portal/access-log?${query}`)).body).filter((id) => Object.values(rows).includes(id));
    expect(await q(`actorId=${viewerA.id}&action=report.`)).toEqual([rows.viewerDownload]);
    expect(await q('from=2026-03-09&to=2026-03-09')).toEqual([rows.viewerPage]);
    expect((await as.managerA.get(`/api/portal/access-log?clientId=${clientB.id}`)).status).toBe(400);
  });

  it('refuses other roles, staff and anonymous; audits views and exports; exports CSV neutralised', async () => {
    expect((await as.viewerA.get('/api/portal/access-log')).status).toBe(403);
    expect((await as.admin.get('/api/portal/access-log')).status).toBe(403);
    expect((await as.viewerA.get('/api/portal/access-log/export?format=csv')).status).toBe(403);
    expect((await fetch(`${app.url}/api/portal/access-log`, { headers: { origin: app.url } })).status).toBe(401);
    await seed({
      client_id: clientA.id,
      actor_id: viewerA.id,
      actor_email: viewerA.email,
      actor_kind: 'portal',
      action: 'comment.created',
      user_agent: '+cmd|calc',
    });
    const csv = await as.managerA.get('/api/portal/access-log/export?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.text.split('\r\n')[0]).toBe('"id","at","actor_email","action","target_type","target_id","outcome","ip","user_agent","source"');
    expect(csv.text).toContain(`"'+cmd|calc"`);
    expect(csv.text).not.toContain('10.9.9.9');
    expect((await as.managerA.get('/api/portal/access-log/export?format=jsonl')).status).toBe(400);
    const audited = await app.db.selectFrom('audit_events').select(['action', 'outcome', 'actor_id']).where('action', 'like', 'access_log.%').execute();
    expect(audited).toEqual(
      expect.arrayContaining([
        { action: 'access_log.viewed', outcome: 'success', actor_id: managerA.id },
        { action: 'access_log.viewed', outcome: 'denied', actor_id: viewerA.id },
        { action: 'access_log.exported', outcome: 'success', actor_id: managerA.id },
      ]),
    );
  });
});
