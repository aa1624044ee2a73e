import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectRow } from '../../db/schema.js';
import { FINDING_STATUSES, SEVERITIES } from '../../server/contracts/workspace.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent, type Res } from '../support/http.js';
import { buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { insertCommentRow } from '../support/comments.js';
import { buildFinding, buildProject } from '../support/workspace.js';
import { publishedFinding, remediationWorld } from '../support/remediation.js';

/**
 * Lists that grow come in pages with keyset cursors (issue 19): a 2,000-finding project was one
 * 9 MB answer, the staff Projects page every project of every client. Every row arrives exactly
 * once across the pages, also while rows are being added between pages; a cursor that is not one
 * the list gave is a field error.
 */

let app: TestApp;
let staff: Agent;
let project: ProjectRow;

beforeAll(async () => {
  app = await startTestApp();
  staff = await signIn(app, await buildStaff(app.db, { role: 'analyst' }));
  project = await buildProject(app.db);
  // Ties on purpose: several findings share a severity and a creation time, so the id decides.
  for (let i = 0; i < 45; i++)
    await buildFinding(app.db, {
      project_id: project.id,
      severity: SEVERITIES[i % 5]!,
      created_at: 1_700_000_000_000 + (i % 7) * 1000,
      published: i % 2 === 0,
    });
});
afterAll(() => app.close());

type Page = { findings: { id: string; severity: string }[]; next: string | null };
const page = async (query: string) => {
  const res = await staff.get(`/api/projects/${project.id}/findings${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as Page;
};

describe("a project's findings, page by page", () => {
  it('gives every finding exactly once, most severe first, and the same order as one big page', async () => {
    const whole = await page('?limit=500');
    expect(whole.findings).toHaveLength(45);
    expect(whole.next).toBeNull();
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const p: Page = await page(`?limit=7${next ? `&after=${encodeURIComponent(next)}` : ''}`);
      expect(p.findings.length).toBeLessThanOrEqual(7);
      seen.push(...p.findings.map((f) => f.id));
      next = p.next;
    } while (next);
    expect(seen).toEqual(whole.findings.map((f) => f.id));
    const ranks = whole.findings.map((f) => SEVERITIES.indexOf(f.severity as (typeof SEVERITIES)[number]));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it('neither skips nor repeats a row when findings are added between pages', async () => {
    const first = await page('?limit=10');
    const before = new Set((await page('?limit=500')).findings.map((f) => f.id));
    // New findings of every severity, sorting before and after the cursor.
    const added: string[] = [];
    for (const severity of SEVERITIES) added.push((await buildFinding(app.db, { project_id: project.id, severity })).id);
    const seen = first.findings.map((f) => f.id);
    let next = first.next;
    while (next) {
      const p = await page(`?limit=10&after=${encodeURIComponent(next)}`);
      seen.push(...p.findings.map((f) => f.id));
      next = p.next;
    }
    expect(new Set(seen).size).toBe(seen.length);
    // Every row that existed when the reading began is there once; a row added behind the cursor is simply not in this pass.
    for (const id of before) expect(seen).toContain(id);
    expect(seen.filter((id) => !before.has(id)).every((id) => added.includes(id))).toBe(true);
  });

  it('answers a bad cursor or limit with a field error', async () => {
    for (const [query, field] of [
      ['?after=bm9wZQ', 'after'],
      ['?after=WzEsMiwzXQ', 'after'],
      ['?limit=0', 'limit'],
      ['?limit=501', 'limit'],
      ['?sort=title', ''],
    ] as const) {
      const res = await staff.get(`/api/projects/${project.id}/findings${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      if (field) expect(res.body.error.details[0].path, query).toBe(field);
    }
  });

  it('is not for anyone signed out (401; the authorization matrix covers every role)', async () => {
    expect((await new Agent(app.url).get(`/api/projects/${project.id}/findings`)).status).toBe(401);
  });
});

describe('the staff Projects list, page by page', () => {
  it('splits current from finished projects and gives each exactly once, newest first', async () => {
    const made = { current: new Set<string>(), done: new Set<string>() };
    for (let i = 0; i < 23; i++) {
      const status = (['planned', 'active', 'completed', 'archived'] as const)[i % 4];
      const p = await buildProject(app.db, { status, created_at: 1_700_000_000_000 + (i % 5) * 1000 });
      made[status === 'planned' || status === 'active' ? 'current' : 'done'].add(p.id);
    }
    made.current.add(project.id);
    for (const phase of ['current', 'done'] as const) {
      const seen: { id: string; status: string; createdAt: string }[] = [];
      let next: string | null = null;
      do {
        const res: Res = await staff.get(`/api/projects?phase=${phase}&limit=4${next ? `&after=${encodeURIComponent(next)}` : ''}`);
        expect(res.status, res.text).toBe(200);
        expect(res.body.projects.length).toBeLessThanOrEqual(4);
        seen.push(...res.body.projects);
        next = res.body.next;
      } while (next);
      expect(new Set(seen.map((p) => p.id))).toEqual(made[phase]);
      expect(seen).toHaveLength(made[phase].size);
      const times = seen.map((p) => Date.parse(p.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    }
    // Without a phase: the current ones.
    const plain = await staff.get('/api/projects?limit=200');
    expect(new Set(plain.body.projects.map((p: { id: string }) => p.id))).toEqual(made.current);
  });

  it('answers a bad phase, cursor or limit with a field error', async () => {
    for (const [query, field] of [
      ['?phase=old', 'phase'],
      ['?after=WyJ4Il0', 'after'],
      ['?limit=201', 'limit'],
    ] as const) {
      const res = await staff.get(`/api/projects${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.details[0].path, query).toBe(field);
    }
  });
});

describe('the verification queue and retest requests, page by page', () => {
  /** Every row of a list, read `limit` at a time. */
  async function readAll(agent: Agent, path: string, key: 'queue' | 'retests', limit: number): Promise<{ id: string }[]> {
    const out: { id: string }[] = [];
    let next: string | null = null;
    do {
      const res: Res = await agent.get(`${path}?limit=${limit}${next ? `&after=${encodeURIComponent(next)}` : ''}`);
      expect(res.status, res.text).toBe(200);
      expect(res.body[key].length).toBeLessThanOrEqual(limit);
      out.push(...res.body[key].map((r: { roundId?: string; id: string }) => ({ id: r.roundId ?? r.id })));
      next = res.body.next;
    } while (next);
    return out;
  }

  it('gives each waiting finding and each request once, in the order of one big page', async () => {
    const w = await remediationWorld(app);
    for (let i = 0; i < 11; i++) {
      const f = await publishedFinding(app, w.project, { title: `Waiting ${i}` });
      // Several submissions share a time: the round id decides.
      if (i % 3) app.clock.advance(1000);
      expect((await w.as.managerA.post(`/api/findings/${f.id}/remediation/submit`, { notes: `Fixed ${i}.` })).status).toBe(200);
    }
    for (let i = 0; i < 7; i++) {
      const f = await publishedFinding(app, w.project, { title: `Retest ${i}` });
      if (i % 2) app.clock.advance(1000);
      expect((await w.as.managerA.post('/api/retests', { findingIds: [f.id], message: `Patched ${i}.` })).status).toBe(201);
    }
    const analyst = w.as.analyst;
    const queue = await readAll(analyst, '/api/remediation/queue', 'queue', 4);
    expect(queue).toEqual(await readAll(analyst, '/api/remediation/queue', 'queue', 200));
    expect(queue.length).toBeGreaterThanOrEqual(18);
    expect(new Set(queue.map((r) => r.id)).size).toBe(queue.length);
    for (const who of [analyst, w.as.viewerA]) {
      const retests = await readAll(who, '/api/retests', 'retests', 3);
      expect(retests).toEqual(await readAll(who, '/api/retests', 'retests', 100));
      expect(new Set(retests.map((r) => r.id)).size).toBe(retests.length);
      expect(retests.length).toBeGreaterThanOrEqual(7);
    }
    for (const path of ['/api/remediation/queue?limit=201', '/api/retests?limit=101', '/api/retests?after=e30', '/api/remediation/queue?page=2']) {
      const res = await analyst.get(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });
});

describe("a finding's discussion, page by page", () => {
  it('opens on the newest comments; reading back gives each once, and a client never gets an internal note in any page', async () => {
    const finding = await buildFinding(app.db, { project_id: project.id, published: true });
    const author = await buildStaff(app.db, { role: 'analyst' });
    const viewer = await signIn(app, await buildPortalUser(app.db, { client_id: finding.client_id, role: 'viewer' }));
    const shared: string[] = [];
    for (let i = 0; i < 23; i++) {
      shared.push(await insertCommentRow(app.db, finding, author, { body: `Shared ${i}` }));
      if (i % 2) await insertCommentRow(app.db, finding, author, { internal: true, body: `INTERNAL-${i}` });
    }
    for (const [who, expected] of [
      [staff, 23 + 11],
      [viewer, 23],
    ] as const) {
      const first: Res = await who.get(`/api/findings/${finding.id}/comments?limit=5`);
      expect(first.status, first.text).toBe(200);
      const pages: string[][] = [first.body.comments.map((c: { id: string }) => c.id)];
      let next: string | null = first.body.next;
      while (next) {
        const res: Res = await who.get(`/api/findings/${finding.id}/comments?limit=5&after=${encodeURIComponent(next)}`);
        if (who === viewer) expect(res.text).not.toContain('INTERNAL-');
        pages.push(res.body.comments.map((c: { id: string }) => c.id));
        next = res.body.next;
      }
      // Earlier pages come later; within a page, oldest first: reversed, the pages are the whole thread in order.
      const thread = pages.reverse().flat();
      expect(thread).toHaveLength(expected);
      expect(new Set(thread).size).toBe(expected);
      const whole = (await who.get(`/api/findings/${finding.id}/comments?limit=200`)).body;
      expect(whole.next).toBeNull();
      expect(whole.comments.map((c: { id: string }) => c.id)).toEqual(thread);
      if (who === viewer) expect([...thread].sort()).toEqual([...shared].sort());
    }
    expect((await staff.get(`/api/findings/${finding.id}/comments?limit=0`)).status).toBe(400);
  });
});

describe('an old retest request', () => {
  it('can still be moved along when over 200 newer ones exist (the list used to stop at 200 and the move looked it up there)', async () => {
    const w = await remediationWorld(app);
    const rows = Array.from({ length: 205 }, (_, i) => ({
      id: `old-retest-${i}-${w.clientA.id.slice(0, 8)}`,
      client_id: w.clientA.id,
      requested_by: w.managerA.id,
      message: `Request ${i}`,
      status: 'requested' as const,
      scheduled_for: null,
      created_at: 1_700_000_000_000 + i * 1000,
      updated_at: 1_700_000_000_000 + i * 1000,
    }));
    await app.db.insertInto('retest_requests').values(rows).execute();
    const oldest = rows[0]!.id;
    const res = await w.as.analyst.patch(`/api/retests/${oldest}`, { status: 'done', scheduledFor: null });
    expect(res.status, res.text).toBe(200);
    expect(res.body.retest).toMatchObject({ id: oldest, status: 'done' });
  });
});

describe("a client's project findings in the portal: sorted, filtered and paged by the server", () => {
  type Row = { id: string; title: string; severity: string; status: string };
  type PortalPage = { findings: Row[]; next: string | null; matching: number };
  let viewer: Agent;
  let portalProject: ProjectRow;
  const drafts: string[] = [];
  const TITLES = ['alpha', 'Alpha', 'beta', 'Gamma', 'delta', 'Epsilon', 'zeta'];

  beforeAll(async () => {
    portalProject = await buildProject(app.db);
    viewer = await signIn(app, await buildPortalUser(app.db, { client_id: portalProject.client_id, role: 'viewer' }));
    // Ties on purpose in every sort key: repeated titles (in both cases), severities and statuses.
    for (let i = 0; i < 60; i++)
      await buildFinding(app.db, {
        project_id: portalProject.id,
        title: TITLES[i % TITLES.length]!,
        severity: SEVERITIES[i % 5]!,
        status: FINDING_STATUSES[i % 4]!,
        published: true,
      });
    for (let i = 0; i < 5; i++) drafts.push((await buildFinding(app.db, { project_id: portalProject.id, title: 'draft', published: false })).id);
  });

  const read = async (query: string) => {
    const res = await viewer.get(`/api/portal/projects/${portalProject.id}/findings${query}`);
    expect(res.status, res.text).toBe(200);
    return res.body as PortalPage;
  };
  /** Every page of a query, each row once, in the order they came. */
  const readAll = async (query: string, limit: number) => {
    const rows: Row[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const p: PortalPage = await read(`?${query}&limit=${limit}${next ? `&after=${encodeURIComponent(next)}` : ''}`);
      expect(p.findings.length).toBeLessThanOrEqual(limit);
      rows.push(...p.findings);
      next = p.next;
      pages++;
    } while (next);
    return { rows, pages };
  };
  // The order the table promises, written out here independently of the server's SQL.
  const sev = (r: Row) => SEVERITIES.indexOf(r.severity as (typeof SEVERITIES)[number]);
  const sta = (r: Row) => FINDING_STATUSES.indexOf(r.status as (typeof FINDING_STATUSES)[number]);
  const cmp = (a: number | string, b: number | string) => (a < b ? -1 : a > b ? 1 : 0);
  const tie = (a: Row, b: Row) => cmp(sev(a), sev(b)) || cmp(a.title.toLowerCase(), b.title.toLowerCase()) || cmp(a.id, b.id);
  const ORDERS: Record<string, (a: Row, b: Row) => number> = {
    'severity:desc': (a, b) => cmp(sev(a), sev(b)) || tie(a, b),
    'severity:asc': (a, b) => cmp(sev(b), sev(a)) || cmp(a.title.toLowerCase(), b.title.toLowerCase()) || cmp(a.id, b.id),
    'title:asc': (a, b) => cmp(a.title.toLowerCase(), b.title.toLowerCase()) || tie(a, b),
    'title:desc': (a, b) => cmp(b.title.toLowerCase(), a.title.toLowerCase()) || tie(a, b),
    'status:asc': (a, b) => cmp(sta(a), sta(b)) || tie(a, b),
    'status:desc': (a, b) => cmp(sta(b), sta(a)) || tie(a, b),
  };

  it.each(Object.keys(ORDERS))('sorts by %s: every published finding once across pages, in that order', async (key) => {
    const [sort, dir] = key.split(':');
    const { rows, pages } = await readAll(`sort=${sort}&dir=${dir}`, 7);
    expect(pages).toBe(9);
    expect(rows).toHaveLength(60);
    expect(new Set(rows.map((r) => r.id)).size).toBe(60);
    expect(rows.map((r) => r.id)).toEqual([...rows].sort(ORDERS[key]).map((r) => r.id));
    for (const d of drafts) expect(rows.map((r) => r.id)).not.toContain(d);
  });

  it('filters by severity and status, counting what matches', async () => {
    const high = await readAll('severity=high&sort=title', 5);
    expect(high.rows.map((r) => r.severity)).toEqual(Array(12).fill('high'));
    expect((await read('?severity=high&limit=5')).matching).toBe(12);
    const both = await readAll('severity=critical&status=open', 2);
    expect(both.rows.length).toBe(3);
    expect(both.rows.every((r) => r.severity === 'critical' && r.status === 'open')).toBe(true);
    expect((await read('?severity=critical&status=open')).matching).toBe(3);
    expect(await read('?status=closed')).toEqual({ findings: [], next: null, matching: 0 });
  });

  it('neither skips nor repeats a row when findings are published between pages', async () => {
    const before = (await readAll('sort=title', 200)).rows.map((r) => r.id);
    const first = await read('?sort=title&limit=10');
    const added: string[] = [];
    for (const title of ['aaa first', 'mmm middle', 'zzz last'])
      added.push((await buildFinding(app.db, { project_id: portalProject.id, title, severity: 'low', published: true })).id);
    const seen = first.findings.map((r) => r.id);
    let next = first.next;
    while (next) {
      const p = await read(`?sort=title&limit=10&after=${encodeURIComponent(next)}`);
      seen.push(...p.findings.map((r) => r.id));
      next = p.next;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
    // Added after the cursor: read in this pass; added before it ("aaa first"): not, and nothing repeats.
    expect(seen).toContain(added[1]);
    expect(seen).toContain(added[2]);
    expect(seen).not.toContain(added[0]);
  });

  it('answers bad input with a field error and changes nothing', async () => {
    const titleCursor = (await read('?sort=title&limit=3')).next!;
    for (const [query, field] of [
      ['?sort=cvss', 'sort'],
      ['?dir=up', 'dir'],
      ['?severity=urgent', 'severity'],
      ['?status=done', 'status'],
      ['?limit=0', 'limit'],
      ['?limit=201', 'limit'],
      ['?after=bm9wZQ', 'after'],
      // A cursor of the title order is no cursor of the severity order.
      [`?sort=severity&after=${encodeURIComponent(titleCursor)}`, 'after'],
      ['?clientId=x', ''],
    ] as const) {
      const res = await viewer.get(`/api/portal/projects/${portalProject.id}/findings${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      if (field) expect(res.body.error.details[0].path, query).toBe(field);
    }
  });

  it("is the viewer's own client's only: another client's project and a made-up id are 404, staff 403, signed out 401", async () => {
    const other = await signIn(app, await buildPortalUser(app.db, { role: 'manager' }));
    expect((await other.get(`/api/portal/projects/${portalProject.id}/findings`)).status).toBe(404);
    expect((await viewer.get(`/api/portal/projects/${crypto.randomUUID()}/findings`)).status).toBe(404);
    expect((await staff.get(`/api/portal/projects/${portalProject.id}/findings`)).status).toBe(403);
    expect((await new Agent(app.url).get(`/api/portal/projects/${portalProject.id}/findings`)).status).toBe(401);
  });
});
