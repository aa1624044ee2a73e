import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildStaff, signIn } from '../support/factories.js';
import { addStatusChange, buildEvidenceRow, buildFinding, buildProject, buildReportRow, setVisibleFields } from '../support/workspace.js';
import { buildClientPeople, crawl, expandRoute, keysIn, portalGetRoutes, type CrawlPage } from '../support/portal.js';
import { HIDE_KEYS, type HideKey } from '../../server/visibility/fields.js';
import type { ClientRow, UserRow } from '../../db/schema.js';
import type { Agent } from '../support/http.js';
import { debriefAtProvider, signInThrough, startProvider, type TestProvider } from '../support/oidc-provider.js';

/**
 * The canary test: every internal note and every hideable field of client A's findings holds a
 * unique marker. Crawling every portal route as each of A's people under each of the 16
 * visible-field settings, an internal or staff-only marker must appear nowhere, a hidden field's
 * markers (and keys) nowhere, a visible field's markers somewhere. Client B's people see no A
 * marker and no A id at all.
 */

const N = 3;
const HIDDEN_KEYS: Record<HideKey, string[]> = {
  cvss: ['cvssVersion', 'cvssVector', 'cvssScore'],
  technicalDetails: ['technicalDetailsHtml'],
  references: ['references'],
  evidence: ['evidence'],
};
/** Markers that no portal user may ever see, whatever the settings. */
const NEVER = ['internal', 'draft', 'draftreport', 'team', 'unshared', 'nocopy', 'original'];
const mark = (client: string, field: string, n: number | string) => `${client}CANARY-${field}-${n}-END`;

let app: TestApp;
let op: TestProvider;
let clientA: ClientRow;
let clientB: ClientRow;
let peopleA: Record<string, UserRow>;
let userB: UserRow;
const ids = { projectId: [] as string[], findingId: [] as string[] };
const idsOfA: string[] = [];
const evidenceIdsA: string[] = [];
let agents: [string, Agent][] | undefined;

async function seedClient(prefix: string, client: ClientRow) {
  const teamMember = await buildStaff(app.db, { name: mark(prefix, 'team', 1) });
  const projects = [
    await buildProject(app.db, {
      client_id: client.id,
      name: `${prefix} Web`,
      status: 'active',
      team: [teamMember.id],
      description: `${prefix}VISIBLE-project`,
    }),
    await buildProject(app.db, { client_id: client.id, name: `${prefix} Network`, status: 'completed' }),
    await buildProject(app.db, { client_id: client.id, name: `${prefix} Drafts only`, status: 'planned' }),
  ];
  const own: string[] = projects.map((p) => p.id);
  const evidence: string[] = [];
  for (let n = 1; n <= N; n++) {
    const f = await buildFinding(app.db, {
      project_id: projects[n % 2]!.id,
      published: true,
      title: `${prefix} finding ${n}`,
      severity: 'high',
      description: `${prefix}VISIBLE-description-${n}`,
      internal_notes: mark(prefix, 'internal', n),
      technical_details: mark(prefix, 'technicalDetails', n),
      cvss_vector: mark(prefix, 'cvss', n),
      cvss_version: '3.1',
      cvss_score: 7.1,
      references: [`https://example.test/${mark(prefix, 'references', n)}`],
      affectedAssets: [`${prefix}VISIBLE-asset-${n}`],
    });
    await addStatusChange(app.db, f.id, { from: 'open', to: 'pending_verification', note: `${prefix}VISIBLE-note-${n}`, at: Date.now() + n });
    const shared = await buildEvidenceRow(app.db, f.id, { shared: 1, caption: mark(prefix, 'evidence', n), original_name: mark(prefix, 'original', n) });
    await buildEvidenceRow(app.db, f.id, { shared: 0, caption: mark(prefix, 'unshared', n) });
    await buildEvidenceRow(app.db, f.id, { shared: 1, client_file: null, caption: mark(prefix, 'nocopy', n) });
    const draft = await buildFinding(app.db, {
      project_id: projects[n === 1 ? 2 : 0]!.id,
      title: mark(prefix, 'draft', n),
      description: mark(prefix, 'draft', `d${n}`),
      internal_notes: mark(prefix, 'internal', `d${n}`),
    });
    own.push(f.id, draft.id, shared.id);
    evidence.push(shared.id);
    ids.findingId.push(f.id, draft.id);
  }
  await buildReportRow(app.db, projects[0]!.id, { title: `${prefix}VISIBLE-report`, published: 1 });
  await buildReportRow(app.db, projects[0]!.id, { title: mark(prefix, 'draftreport', 1), published: 0 });
  ids.projectId.push(...projects.map((p) => p.id));
  return { own, evidence };
}

beforeAll(async () => {
  app = await startTestApp({ SSO_ALLOW_HTTP: 'true' });
  clientA = await buildClient(app.db, { name: 'Contoso' });
  clientB = await buildClient(app.db, { name: 'Globex' });
  peopleA = await buildClientPeople(app.db, clientA, 'Contoso');
  userB = (await buildClientPeople(app.db, clientB, 'Globex')).manager;
  const a = await seedClient('A', clientA);
  idsOfA.push(...a.own);
  evidenceIdsA.push(...a.evidence);
  await seedClient('B', clientB);
  ids.projectId.push(crypto.randomUUID());
  ids.findingId.push(crypto.randomUUID());
});
afterAll(async () => {
  await op?.close();
  await app?.close();
});

/** Every GET path of the portal, with every known id (A's, B's, drafts, made-up), plus the session and the Manager's users list. */
function allPaths(): string[] {
  return [...portalGetRoutes(app.deps).flatMap((r) => expandRoute(r, ids)), '/session', '/portal/users'];
}

const settingsFor = (mask: number): Record<HideKey, boolean> =>
  Object.fromEntries(HIDE_KEYS.map((k, i) => [k, (mask & (1 << i)) === 0])) as Record<HideKey, boolean>;

function assertNoNeverMarkers(pages: CrawlPage[], prefix: string, who: string) {
  for (const p of pages) for (const field of NEVER) expect(p.text, `${who} ${p.path}: ${field}`).not.toContain(`${prefix}CANARY-${field}-`);
}

describe('canary: what client A’s people can see', () => {
  it('the crawl covers every portal route (a new route without ids here fails this test)', () => {
    expect(portalGetRoutes(app.deps).sort()).toEqual([
      '/portal/activity',
      '/portal/dashboard',
      '/portal/findings/:findingId',
      '/portal/projects',
      '/portal/projects/:projectId',
      '/portal/projects/:projectId/findings',
      '/portal/reports',
    ]);
    expect(allPaths().length).toBeGreaterThan(20);
  });

  // One test per visible-field setting (all 16), each crawling as A's viewer, collaborator and manager.
  it.each(Array.from({ length: 16 }, (_, mask) => [JSON.stringify(settingsFor(mask)), mask] as const))(
    'visible fields %s: internal notes never, hidden fields nowhere, visible fields present',
    async (_label, mask) => {
      agents ??= await Promise.all(Object.entries(peopleA).map(async ([role, u]) => [role, await signIn(app, u)] as [string, Agent]));
      const paths = allPaths();
      const visible = settingsFor(mask);
      await setVisibleFields(app.db, clientA.id, visible);
      for (const [role, agent] of agents) {
        const who = `${role} ${JSON.stringify(visible)}`;
        const pages = await crawl(agent, paths);
        const all = pages.map((p) => p.text).join('\n');
        // The crawl really read A's data: every published finding, the reports, the project.
        expect(pages.filter((p) => p.status === 200).length, who).toBeGreaterThan(N + 4);
        for (let n = 1; n <= N; n++) expect(all, who).toContain(`AVISIBLE-description-${n}`);
        expect(all, who).toContain('AVISIBLE-report');
        assertNoNeverMarkers(pages, 'A', who);
        expect(all, who).not.toContain('BCANARY-');
        expect(all, who).not.toContain('BVISIBLE-');
        // Key names of the workspace payloads (the session names the user's own client id, which is fine).
        const keys = keysIn(pages.filter((p) => p.path !== '/session').map((p) => p.body));
        for (const k of HIDE_KEYS) {
          for (let n = 1; n <= N; n++) {
            if (visible[k]) expect(all, `${who}: ${k} shown`).toContain(mark('A', k, n));
            else expect(all, `${who}: ${k} hidden`).not.toContain(`ACANARY-${k}-`);
          }
          for (const field of HIDDEN_KEYS[k]) expect(keys.has(field), `${who}: key ${field}`).toBe(visible[k]);
        }
        for (const id of evidenceIdsA) {
          if (visible.evidence) expect(all, who).toContain(id);
          else expect(all, `${who}: evidence id`).not.toContain(id);
        }
        for (const key of ['internalNotes', 'published', 'clientId', 'team', 'originalUrl', 'redactions', 'shared', 'damagedAt']) {
          expect(keys.has(key), `${who}: key ${key}`).toBe(false);
        }
      }
      await setVisibleFields(app.db, clientA.id, settingsFor(0));
    },
  );
});

describe('canary: client B’s people', () => {
  it('crawling everything as a B user finds no A marker and no A id', async () => {
    const agent = await signIn(app, userB);
    const pages = await crawl(agent, allPaths());
    const all = pages.map((p) => p.text).join('\n');
    expect(all).toContain('BVISIBLE-description-1');
    expect(all).not.toContain('ACANARY-');
    expect(all).not.toContain('AVISIBLE-');
    expect(all).not.toContain('Contoso');
    for (const id of idsOfA) expect(all, id).not.toContain(id);
    assertNoNeverMarkers(pages, 'B', 'B');
  });
});

describe('canary: people single sign-on created', () => {
  /** Each client gets its own provider (just-in-time creation on) and a new person signs in through it. */
  async function jitPerson(client: ClientRow, domain: string): Promise<Agent> {
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const clientId = `debrief-${domain}`;
    op ??= await startProvider([debriefAtProvider(app.url, 'debrief-contoso-sso.test'), debriefAtProvider(app.url, 'debrief-globex-sso.test')]);
    const set = await admin.put(`/api/clients/${client.id}/sso`, {
      label: 'Their SSO',
      issuer: op.issuer,
      clientId,
      clientSecret: 'a-client-secret-for-the-tests',
      domains: [domain],
      jit: true,
      trustProviderMfa: true,
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const email = `new.person@${domain}`;
    const signed = await signInThrough(app.url, op, set.body.provider.id, { sub: email, email, email_verified: true, amr: ['pwd', 'otp'] });
    expect(signed.location).toBe('/');
    expect(await app.db.selectFrom('users').select(['client_id', 'role']).where('email', '=', email).executeTakeFirstOrThrow()).toEqual({
      client_id: client.id,
      role: 'viewer',
    });
    return signed.agent;
  }

  it('a person A’s provider created sees A’s visible data and nothing internal or of B; one B’s created sees no A marker or id', async () => {
    await setVisibleFields(app.db, clientA.id, settingsFor(0));
    const a = await crawl(await jitPerson(clientA, 'contoso-sso.test'), allPaths());
    const allA = a.map((p) => p.text).join('\n');
    for (let n = 1; n <= N; n++) expect(allA).toContain(`AVISIBLE-description-${n}`);
    assertNoNeverMarkers(a, 'A', 'A (SSO)');
    expect(allA).not.toContain('BCANARY-');
    expect(allA).not.toContain('BVISIBLE-');
    const b = await crawl(await jitPerson(clientB, 'globex-sso.test'), allPaths());
    const allB = b.map((p) => p.text).join('\n');
    expect(allB).toContain('BVISIBLE-description-1');
    expect(allB).not.toContain('ACANARY-');
    expect(allB).not.toContain('AVISIBLE-');
    for (const id of idsOfA) expect(allB, id).not.toContain(id);
    assertNoNeverMarkers(b, 'B', 'B (SSO)');
  });
});
