import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustColours } from '../../server/contracts/palette.js';
import { axeCheck, describeViolations, saveRun, totals, type Violation } from '../support/axe.js';
import { signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { buildClient, buildFirm, buildStaff, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { inviteTokenFor } from '../support/invitations.js';
import { buildClientPeople, buildDashboardWorld, type DashboardWorld } from '../support/portal.js';
import { setClientModules } from '../support/workspace.js';
import { ROLES, routeRolePairs, type Role } from '../support/route-roles.js';
import { enrolTotp } from '../support/totp.js';

/**
 * Issue 18: axe-core on every page of every role (admin, analyst, Manager, Collaborator, Viewer,
 * signed out) at 1366×900 and 390×844, with the phone menu open and with the pages' dialogs open,
 * and once more with a saturated custom brand. No serious or critical violation may remain; each
 * failure names page, rule and selector. The pages come from the route tree (route-roles.ts), and
 * the run fails if one of them was not reached (a redirect counts as not reached).
 */

const t = useBrowserApp();
const VIEWPORTS = [
  { width: 1366, height: 900 },
  { width: 390, height: 844 },
];
/** Buttons that open a page's dialogs, per route and role (opened at desktop width). */
const DIALOGS: { route: string; role: Role; button: string | RegExp }[] = [
  { route: '/staff/clients', role: 'admin', button: 'New client' },
  { route: '/staff/projects/[id]', role: 'admin', button: 'New finding' },
  { route: '/staff/findings/[id]', role: 'analyst', button: 'Change status' },
  { route: '/portal/users', role: 'manager', button: /^Add / },
];

/** A role's pages at both widths take a minute or two on a busy machine. */
const LONG = 600_000;
const found: Violation[] = [];
const visits: { route: string; role: string; width: number }[] = [];
let world: DashboardWorld;
let agents: Partial<Record<Role, Agent>>;
/** Pages opened with their own session or path: the signed-out pages that need a token or a
 * half-finished sign-in, and the portal's padlock pages (which exist only while a module is off). */
let special: Partial<Record<Role, Record<string, { path: string; agent?: Agent }>>>;

/** The URL a role opens for a route (its parameters filled with objects that role may see). */
function pathOf(route: string): string {
  const finding = world.findings['SQL injection in search']!.id;
  return route
    .replace('/staff/chat/[clientId]', `/staff/chat/${world.client.id}`)
    .replace('/staff/clients/[id]', `/staff/clients/${world.client.id}`)
    .replace(/\/(staff|portal)\/findings\/\[id\]/, `/$1/findings/${finding}`)
    .replace(/\/(staff|portal)\/projects\/\[id\]/, `/$1/projects/${world.web.id}`);
}

const serious = (v: Violation[]) => v.filter((x) => x.impact === 'serious' || x.impact === 'critical');

/** Open `path` and wait until its heading and data are there; fails when the page sent us elsewhere. */
async function open(page: Page, path: string): Promise<void> {
  await page.goto(t.app.url + path);
  await page.locator('h1').first().waitFor({ timeout: 10_000 });
  await page.waitForLoadState('networkidle');
  await expect.poll(() => page.locator('[aria-busy="true"], .skeleton').count(), { timeout: 5000 }).toBe(0);
  expect(new URL(page.url()).pathname, `${path} stayed where it was asked to go`).toBe(path);
}

async function visitAll(
  role: Role,
  ctxFor: (viewport: (typeof VIEWPORTS)[number], agent?: Agent) => Promise<BrowserContext>,
  tag = '',
  viewports = VIEWPORTS,
): Promise<Violation[]> {
  const mine: Violation[] = [];
  const routes = routeRolePairs().filter((p) => p.role === role && (role !== 'signed-out' || p.route !== '/setup'));
  for (const viewport of viewports) {
    const shared = role === 'signed-out' ? null : await ctxFor(viewport, agents[role]);
    for (const { route } of routes) {
      const own = special[role]?.[route];
      const ctx = own?.agent || !shared ? await ctxFor(viewport, own?.agent) : shared;
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      const path = own?.path ?? pathOf(route);
      await open(page, path);
      const where = `${role}${tag} ${route} @${viewport.width}`;
      mine.push(...(await axeCheck(page, where)));
      visits.push({ route, role, width: viewport.width });
      if (viewport.width === 390 && route === routes[0]!.route && role !== 'signed-out') {
        await page.getByRole('button', { name: 'Menu' }).click();
        await page.locator('#sidebar').waitFor();
        mine.push(...(await axeCheck(page, `${where} (menu open)`)));
      }
      const dialog = DIALOGS.find((d) => d.route === route && d.role === role);
      if (dialog && viewport.width === 1366 && !tag) {
        await page.getByRole('button', { name: dialog.button }).first().click();
        await page.getByRole('dialog').waitFor();
        await page.waitForLoadState('networkidle');
        mine.push(...(await axeCheck(page, `${where} (dialog "${dialog.button}" open)`)));
      }
      expect(errors, `${where}: no script errors`).toEqual([]);
      await page.close();
      if (ctx !== shared) await ctx.close();
    }
    await shared?.close();
  }
  return mine;
}

const contextFor = (viewport: (typeof VIEWPORTS)[number], agent?: Agent) =>
  agent ? signedInContext(t.browser, t.app.url, agent, { viewport }) : t.browser.newContext({ viewport });

describe('accessibility (axe-core)', () => {
  it('the setup page, before the firm exists', { timeout: LONG }, async () => {
    for (const viewport of VIEWPORTS) {
      const ctx = await contextFor(viewport);
      const page = await ctx.newPage();
      await open(page, '/setup');
      found.push(...(await axeCheck(page, `signed-out /setup @${viewport.width}`)));
      visits.push({ route: '/setup', role: 'signed-out', width: viewport.width });
      await ctx.close();
    }
  });

  describe('every page of every role, desktop and phone', () => {
    beforeAll(async () => {
      await buildFirm(t.app.db, { name: 'Northwind Security', mfa_required_for_staff: 1 });
      world = await buildDashboardWorld(t.app.db, Date.now());
      const admin = await buildStaff(t.app.db, { role: 'admin', name: 'Ada Admin' });
      const analyst = await buildStaff(t.app.db, { role: 'analyst', name: 'Ana Analyst' });
      await t.app.db.insertInto('project_team').values({ project_id: world.web.id, user_id: analyst.id }).execute();
      agents = {
        admin: await signIn(t.app, admin),
        analyst: await signIn(t.app, analyst),
        manager: await signIn(t.app, world.people.manager),
        collaborator: await signIn(t.app, world.people.collaborator),
        viewer: await signIn(t.app, world.people.viewer),
      };
      // The signed-out pages that need a token or a half-finished sign-in.
      expect(
        (await agents.admin!.post(`/api/clients/${world.client.id}/users`, { email: 'new.person@contoso.test', name: 'New Person', role: 'viewer' })).status,
      ).toBe(201);
      const owesCode = await buildStaff(t.app.db, { role: 'analyst' });
      await enrolTotp(t.app, owesCode);
      const mustEnrol = await buildStaff(t.app.db, { role: 'analyst' });
      // A second client with Findings and Activity switched off: its people see the padlock pages.
      const locked = await buildClient(t.app.db, { name: 'Fabrikam' });
      await setClientModules(t.app.db, locked.id, { findings: false, activity: false });
      const lockedPeople = await buildClientPeople(t.app.db, locked, 'Fabrikam');
      const padlocks = async (user: (typeof lockedPeople)['viewer']) => {
        const agent = await signIn(t.app, user);
        return { '/portal/findings': { path: '/portal/findings', agent }, '/portal/activity': { path: '/portal/activity', agent } };
      };
      special = {
        manager: await padlocks(lockedPeople.manager),
        collaborator: await padlocks(lockedPeople.collaborator),
        viewer: await padlocks(lockedPeople.viewer),
      };
      special['signed-out'] = {
        '/invite/[token]': { path: `/invite/${await inviteTokenFor(t.app, 'new.person@contoso.test')}` },
        '/reset-password/[token]': { path: '/reset-password/abcdefghijklmnopqrstuvwxyz234567' },
        '/login/mfa': { path: '/login/mfa', agent: await signIn(t.app, owesCode, { mfaVerified: false }) },
        '/mfa/setup': { path: '/mfa/setup', agent: await signIn(t.app, mustEnrol, { mfaVerified: false }) },
      };
    }, 60_000);

    it.each(ROLES.map((r) => [r]))(
      '%s',
      async (role) => {
        const mine = await visitAll(role, contextFor);
        found.push(...mine);
        expect(serious(mine), describeViolations(serious(mine))).toEqual([]);
      },
      LONG,
    );

    it(
      'with a saturated custom brand (admin, Manager and signed-out pages, desktop)',
      async () => {
        const colours = adjustColours('#ff00aa', '#00d5ff');
        expect((await agents.admin!.put('/api/firm/brand', { ...colours, logoLight: null, logoDark: null, favicon: null })).status).toBe(200);
        const mine: Violation[] = [];
        for (const role of ['admin', 'manager', 'signed-out'] as const) mine.push(...(await visitAll(role, contextFor, ' (brand)', [VIEWPORTS[0]!])));
        found.push(...mine);
        expect(serious(mine), describeViolations(serious(mine))).toEqual([]);
      },
      LONG,
    );

    it('reached every route × role the route tree has, at both widths', () => {
      const seen = new Set(visits.map((v) => `${v.role} ${v.route} ${v.width}`));
      const missing = routeRolePairs()
        .flatMap((p) => VIEWPORTS.map((v) => `${p.role} ${p.route} ${v.width}`))
        .filter((k) => !seen.has(k));
      expect(missing).toEqual([]);
    });
  });

  afterAll(() => {
    saveRun(visits, found);
    console.log('axe totals by impact (nodes):', JSON.stringify(totals(found)));
  });
});
