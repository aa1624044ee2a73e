import { createClient } from 'redis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, launchBrowser, signedInContext, watchErrors } from '../support/browser.js';
import { signIn, startCluster, type Cluster } from '../support/cluster.js';
import { until } from '../support/socket.js';

/**
 * Several instances in Chromium (issue 14): an analyst and a client's Manager, each page's live
 * connection on a different instance behind HAProxy. The analyst's comment shows live on the
 * client's page; the client's instance is killed (`kill -9`): the page reconnects through the
 * balancer, and the comment written meanwhile is there, nothing missing.
 */
let c: Cluster;
let browser: Browser;

beforeAll(async () => {
  c = await startCluster();
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await c?.stop();
});

const discussion = (page: Page) => page.locator('section.discussion');
const comment = (page: Page, text: string) => discussion(page).locator('article.comment', { hasText: text });

describe('two people on two instances, in the browser', () => {
  it('a comment shows live on the other instance; the client’s instance is killed, the page reconnects and misses nothing', async () => {
    const redis = createClient({ url: c.redis.url });
    redis.on('error', () => {});
    await redis.connect();
    const findingId = (
      await c.query<{ id: string }>("select f.id from findings f join clients c on c.id = f.client_id where c.name like 'Contoso%' and f.published = 1 limit 1")
    )[0]!.id;
    const people = await c.query<{ id: string; email: string }>(
      "select id, email from users where email in ('ada@northwind.example', 'carla@contoso.example')",
    );
    const idOf = (email: string) => people.find((p) => p.email === email)!.id;
    // Which instance holds a person's live connection: its socket count in Redis, by instance id (each instance logs its own).
    const instanceIds = new Map(c.instances.map((i) => [String(i.proc.stdout.map((l) => /"instance":"([^"]+)"/.exec(l)?.[1]).find(Boolean)), i]));
    const instanceOf = async (email: string) => {
      const counts = await redis.hGetAll(`sockets:user:${idOf(email)}`);
      const ids = Object.entries(counts).filter(([, n]) => Number(n) > 0);
      return ids.length === 1 ? instanceIds.get(ids[0]![0]) : undefined;
    };

    const staffCtx = await signedInContext(browser, c.lbUrl, await signIn(c, c.lbUrl, 'ada@northwind.example'));
    const clientCtx = await signedInContext(browser, c.lbUrl, await signIn(c, c.lbUrl, 'carla@contoso.example'));
    staffCtx.setDefaultTimeout(15_000);
    clientCtx.setDefaultTimeout(15_000);
    const staff = await staffCtx.newPage();
    const client = await clientCtx.newPage();
    const errors = [...[staff, client].map(watchErrors)];

    await staff.goto(`${c.lbUrl}/staff/findings/${findingId}`);
    await staff.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    // The client's page lands on another instance than the analyst's (round-robin: open it again until it does).
    for (let attempt = 0; ; attempt++) {
      await client.goto(`${c.lbUrl}/portal/findings/${findingId}`);
      await client.getByRole('status').filter({ hasText: 'Live' }).waitFor();
      let where: [unknown, unknown] = [undefined, undefined];
      await until(async () => {
        where = [await instanceOf('ada@northwind.example'), await instanceOf('carla@contoso.example')];
        return where.every(Boolean);
      }, 'both live connections counted');
      if (where[0] !== where[1]) break;
      expect(attempt).toBeLessThan(6);
    }
    const clientInstance = (await instanceOf('carla@contoso.example'))!;
    expect(clientInstance).not.toBe(await instanceOf('ada@northwind.example'));

    const write = async (text: string) => {
      const box = staff.getByRole('combobox', { name: 'Add a comment' });
      await box.click();
      await box.fill(text);
      await staff.getByRole('button', { name: 'Comment', exact: true }).click();
      await comment(staff, text).waitFor();
    };
    await write('First, seen live on the other instance');
    await comment(client, 'First, seen live on the other instance').waitFor();

    // The client's instance dies; the analyst writes meanwhile.
    await clientInstance.kill9();
    await write('Second, written while the client’s instance was down');
    // The page reconnects through the balancer (another instance) and catches up.
    await comment(client, 'Second, written while the client’s instance was down').waitFor({ timeout: 30_000 });
    await client.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await client.screenshot({ path: artifact('cluster-failover-client.png'), fullPage: true });
    expect(
      await discussion(client)
        .locator('article.comment', { hasText: /First, seen live|Second, written/ })
        .count(),
    ).toBe(2);
    expect((await instanceOf('carla@contoso.example')) ?? null).not.toBe(clientInstance);
    expect(errors.flat()).toEqual([]);
    await redis.quit();
    await clientInstance.start();
  }, 120_000);
});
