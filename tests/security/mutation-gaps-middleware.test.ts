import { sql } from 'kysely';
import { vanishAfterInsert } from '../support/db-faults.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { buildFinding } from '../support/workspace.js';
import { cmid } from '../support/comments.js';
import { getBytes, uploadEvidence } from '../support/evidence.js';

/**
 * What the middleware slice's mutation run (tests/mutation-survivors.md, slice 23) found no test
 * for, over HTTP: the request's own address reaching the allowlist check (authenticate.ts), the
 * command context of a route (command-context.ts), an expected error with a 5xx status logged as
 * an error with its stack, and an error after the response has started writing nothing but the
 * one JSON log line (error-handler.ts).
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('authenticate: the address of the request is what the allowlist is checked against', () => {
  it('a portal user whose client allows only this address (127.0.0.1) is let in; another list refuses the same session', async () => {
    const client = await buildClient(app.db, { ip_allowlist: JSON.stringify(['127.0.0.1']) });
    const agent = await signIn(app, await buildPortalUser(app.db, { client_id: client.id }));
    const ok = await agent.get('/api/session');
    expect(ok.status).toBe(200);
    expect(ok.body.user.clientId).toBe(client.id);
    await app.db
      .updateTable('clients')
      .set({ ip_allowlist: JSON.stringify(['10.0.0.0/8']) })
      .where('id', '=', client.id)
      .execute();
    const refused = await agent.get('/api/session');
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toEqual({ reason: 'ip_not_allowed' });
  });
});

describe('commandContextOf: the viewer and audit context a route hands to its command', () => {
  it('a command route answers a signed-in viewer, 401 without a session, 403 for the wrong kind', async () => {
    const staff = await signIn(app, await buildStaff(app.db));
    const res = await staff.get('/api/firm');
    expect(res.status).toBe(200);
    expect(res.body.firm).toMatchObject({ name: expect.any(String) });
    const anon = await new Agent(app.url).get('/api/firm');
    expect(anon.status).toBe(401);
    expect(anon.body.error).toEqual({ code: 'unauthenticated', message: 'Please sign in.' });
    const portal = await signIn(app, await buildPortalUser(app.db));
    expect((await portal.get('/api/firm')).status).toBe(403);
  });

  it('the audit row of a command names the actor, the address and the user agent of the request', async () => {
    const admin = await buildStaff(app.db, { role: 'admin' });
    const agent = await signIn(app, admin);
    const before = Date.now();
    const res = await agent.put('/api/firm', { name: 'Audited Firm', supportEmail: null, supportPhone: null }, { 'user-agent': 'middleware-test/1.0' });
    expect(res.status).toBe(200);
    const row = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'firm.updated')
      .where('at', '>=', before - 1000)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ actor_id: admin.id, actor_email: admin.email, outcome: 'success', user_agent: 'middleware-test/1.0' });
    expect(String(row.ip)).toMatch(/127\.0\.0\.1$/);
  });
});

describe('errorHandler: an expected error with a 5xx status', () => {
  let restore = async () => {};
  afterEach(async () => {
    await restore();
    restore = async () => {};
  });

  it('is answered with its own code and message, and logged as an error with its stack under the request id', async () => {
    const finding = await buildFinding(app.db, { client_id: (await buildClient(app.db)).id, published: true });
    const staff = await signIn(app, await buildStaff(app.db));
    // The comment is written but cannot be read back: createComment's own AppError(500).
    restore = await vanishAfterInsert(app.db, 'comments');
    const res = await staff.post(`/api/findings/${finding.id}/comments`, { body: 'Checked on staging.', clientMessageId: cmid() });
    expect(res.status).toBe(500);
    const id = res.headers.get('x-request-id');
    expect(res.body).toEqual({ error: { code: 'internal_error', message: 'The comment could not be read back.' }, requestId: id });
    await settle();
    const logged = app.logs.filter((l) => l.requestId === id && l.level === 'error');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.msg).toBe('The comment could not be read back.');
    const err = logged[0]!.err as { message?: string; stack?: string } | undefined;
    expect(err?.message).toBe('The comment could not be read back.');
    expect(err?.stack).toMatch(/AppError/);
  });
});

describe('errorHandler: an error after the response has started (production settings)', () => {
  let prod: TestApp;
  beforeAll(async () => {
    // Express reads NODE_ENV when the app is made; in 'test' its fallback handler prints nothing.
    const saved = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      prod = await startTestApp();
    } finally {
      process.env.NODE_ENV = saved;
    }
  });
  afterAll(() => prod?.close());

  it('a download whose audit write fails after the file was sent: one JSON error line, nothing else on stderr or the console', async () => {
    const staff = await signIn(prod, await buildStaff(prod.db));
    const finding = await buildFinding(prod.db);
    const content = 'GET /admin HTTP/1.1\nHost: target\n';
    const up = await uploadEvidence(prod, staff, finding.id, Buffer.from(content), 'request.txt');
    expect(up.status).toBe(201);
    const consoleError = vi.spyOn(console, 'error');
    const stderr = vi.spyOn(process.stderr, 'write');
    await sql`ALTER TABLE audit_events RENAME TO audit_events_away`.execute(prod.db);
    let got;
    let printed: unknown[][];
    try {
      got = await getBytes(prod, staff, up.body.evidence.url);
      await settle();
    } finally {
      await sql`ALTER TABLE audit_events_away RENAME TO audit_events`.execute(prod.db);
      // Read before restoring: mockRestore also forgets the calls.
      printed = [...consoleError.mock.calls, ...stderr.mock.calls];
      consoleError.mockRestore();
      stderr.mockRestore();
    }
    // The file had gone out whole before the audit failed.
    expect(got.status).toBe(200);
    expect(got.bytes.toString()).toBe(content);
    const id = got.headers.get('x-request-id');
    const errors = prod.logs.filter((l) => l.requestId === id && l.level === 'error');
    expect(errors.map((l) => l.msg)).toEqual(['unhandled error']);
    expect(JSON.stringify(errors[0]!.err)).toMatch(/audit_events/);
    expect(printed.map((args) => String(args[0]))).toEqual([]);
  });
});
