import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { cmid } from '../support/chat.js';
import { buildClient, buildPortalUser, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { startPgCluster, type PgCluster } from '../support/postgres.js';
import { ask, feedSocket } from '../support/socket.js';

/**
 * PostgreSQL stopped in immediate mode (a crash: connections cut, no checkpoint) in the middle of
 * a chat burst, then started again (issue 13, "Fault"). Debrief keeps running: `/healthz` (alive)
 * stays 200 throughout, `/readyz` answers 503 naming `database` while the database is gone and 200
 * once it is back, without a restart; writes meanwhile get
 * a 503 and save nothing; every message that was acknowledged is in the database after the
 * restart; a send retried with the same client message id makes exactly one message.
 */
let cluster: PgCluster;
let app: TestApp;
/** Anything thrown that nobody caught while the database was away: in production, a dead process. */
const uncaught: unknown[] = [];
const record = (err: unknown) => void uncaught.push(err);

beforeAll(async () => {
  process.on('uncaughtException', record);
  cluster = await startPgCluster();
  app = await startTestApp({ DATABASE_URL: cluster.url(), DATABASE_POOL_SIZE: '5', MESSAGE_BURST: '1000', MESSAGE_RATE_PER_MINUTE: '100000' });
}, 60_000);
afterAll(async () => {
  process.off('uncaughtException', record);
  await app?.close();
  cluster?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` holds (every 100 ms, up to `ms`). */
async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

type Ack = { ok: boolean; message?: { id: number }; error?: { code: string } };
const send = (socket: Socket, clientMessageId: string, body: string): Promise<Ack> =>
  ask<Ack>(socket, 'message:send', { body, clientMessageId }, 15_000).catch(() => ({ ok: false, error: { code: 'no_answer' } }));

describe('PostgreSQL stopped in immediate mode mid chat burst', () => {
  it('loses no acknowledged message, answers 503 meanwhile, recovers without a restart, and a retried send makes one message', async () => {
    const client = await buildClient(app.db);
    const user = await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' });
    const agent = await signIn(app, user);
    const { socket } = await feedSocket(app, agent);
    const health = new Agent(app.url);
    expect((await health.get('/healthz')).status).toBe(200);
    expect((await health.get('/readyz')).status).toBe(200);

    // Sends, one every 4 ms; the database goes once 40 are acknowledged (more are in flight), and 20 more follow.
    const sends: { id: string; ack: Promise<Ack> }[] = [];
    let acked = 0;
    const sendOne = async () => {
      const id = cmid();
      sends.push({ id, ack: send(socket, id, `burst ${sends.length}`).then((a) => (a.ok && acked++, a)) });
      await sleep(4);
    };
    while (acked < 40 && sends.length < 2000) await sendOne();
    cluster.crash();
    for (let i = 0; i < 20; i++) await sendOne();

    // Gone: /readyz says so (the process is alive: /healthz stays 200), and a write over HTTP is refused with nothing saved.
    await eventually(async () => (await health.get('/readyz')).status === 503, 10_000, '/readyz 503');
    expect((await health.get('/readyz')).body.failing).toContain('database');
    expect((await health.get('/healthz')).status).toBe(200);
    const downId = cmid();
    const during = await agent.post(`/api/chat/${client.id}/messages`, { body: 'while down', clientMessageId: downId });
    expect(during.status).toBe(503);
    expect(during.body.error.code).toBe('unavailable');

    // Back: the same process serves again.
    cluster.restart();
    await eventually(async () => (await health.get('/readyz')).status === 200, 30_000, '/readyz 200');

    const answers = await Promise.all(sends.map(async (s) => ({ id: s.id, ack: await s.ack })));
    const ok = answers.filter((a) => a.ack.ok);
    const failed = answers.filter((a) => !a.ack.ok);
    expect(ok.length).toBeGreaterThanOrEqual(40);
    expect(failed.length).toBeGreaterThan(0); // the burst did meet the outage
    for (const f of failed) expect(['unavailable', 'no_answer']).toContain(f.ack.error?.code);

    // Every acknowledged message is there, as acknowledged.
    const rows = await app.db.selectFrom('chat_messages').select(['id', 'client_message_id']).where('client_id', '=', client.id).execute();
    const saved = new Map(rows.map((r) => [r.client_message_id, r.id]));
    for (const a of ok) expect(saved.get(a.id)).toBe(a.ack.message!.id);
    expect(saved.has(downId)).toBe(false);

    // Retried with the same client message id: exactly one message each, whether or not the first try was saved.
    const retried = [failed[0]!, failed[failed.length - 1]!, ok[0]!];
    for (const r of retried) {
      const again = await send(socket, r.id, 'retried');
      expect(again.ok, JSON.stringify(again)).toBe(true);
    }
    for (const r of retried) {
      const n = await app.db
        .selectFrom('chat_messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('client_message_id', '=', r.id)
        .executeTakeFirstOrThrow();
      expect(n.n).toBe(1);
    }
    expect((await send(socket, ok[0]!.id, 'retried')).message!.id).toBe(ok[0]!.ack.message!.id);
    socket.disconnect();
    expect(uncaught.map(String)).toEqual([]);
  }, 90_000);
});
