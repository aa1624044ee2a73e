import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { ask, feedSocket, until } from '../support/socket.js';
import { cmid, uploadChatFile } from '../support/chat.js';
import { smallPng } from '../support/images.js';
import type { Socket } from 'socket.io-client';

/**
 * `/metrics` (issue 16, point 11): Prometheus' text format through prom-client, 404 without
 * METRICS_TOKEN, 401 without the right bearer token. After a canary client ("Canary-7f3a Ltd",
 * its user, a chat message, an upload, pages read by id) has been exercised, nothing of it — name,
 * e-mail, ids, raw paths — appears in the output, while what it did is counted.
 */
const TOKEN = 'metrics-token-7f3a-0123456789abcdef';
const scrape = (app: TestApp, auth?: string) => fetch(`${app.url}/metrics`, auth ? { headers: { authorization: auth } } : {});

describe('/metrics without METRICS_TOKEN', () => {
  let app: TestApp;
  beforeAll(async () => void (app = await startTestApp()));
  afterAll(() => app.close());

  it('is 404, with or without a token', async () => {
    expect((await scrape(app)).status).toBe(404);
    expect((await scrape(app, `Bearer ${TOKEN}`)).status).toBe(404);
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  beforeAll(async () => void (app = await startTestApp({ METRICS_TOKEN: TOKEN })));
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await app.close();
  });

  it('is 401 without a token or with a wrong one (same length, a prefix, another scheme), 200 with the right one', async () => {
    for (const auth of [
      undefined,
      'Bearer wrong',
      `Bearer ${TOKEN.slice(0, -1)}x`,
      `Bearer ${TOKEN.slice(0, 8)}`,
      `Basic ${TOKEN}`,
      TOKEN,
      `Bearer  ${TOKEN}`,
      `bearer${TOKEN}`,
    ]) {
      const res = await scrape(app, auth);
      expect(res.status, String(auth)).toBe(401);
      expect(await res.text()).not.toContain('debrief_');
    }
    const ok = await scrape(app, `Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(await ok.text()).toContain('process_cpu_user_seconds_total');
  });

  it('counts what a canary client does, and never names it, its user, its ids or raw paths', async () => {
    const canary = await buildClient(app.db, { name: 'Canary-7f3a Ltd' });
    const user = await buildPortalUser(app.db, {
      client_id: canary.id,
      role: 'collaborator',
      name: 'Cora Canary-7f3a',
      email: 'cora.canary-7f3a@example.test',
    });
    const staff = await buildStaff(app.db, { name: 'Stan Staff' });
    const agent = await signIn(app, user);
    const staffAgent = await signIn(app, staff);
    const portal = await feedSocket(app, agent);
    const staffSocket = await feedSocket(app, staffAgent);
    sockets.push(portal.socket, staffSocket.socket);

    const sent = await agent.post(`/api/chat/${canary.id}/messages`, { body: 'Canary-7f3a says hello', clientMessageId: cmid() });
    expect(sent.status).toBe(201);
    const ack = await ask(portal.socket, 'message:send', { body: 'Canary-7f3a again', clientMessageId: cmid() });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    const upload = await uploadChatFile(app, agent, canary.id, await smallPng('#7f3a00'), 'canary-7f3a.png');
    expect(upload.status).toBe(201);
    expect((await agent.get(`/api/chat/${canary.id}/messages`)).status).toBe(200);
    expect((await agent.get(`/api/attachments/${upload.body.attachment.id}/thumb`)).status).toBe(200);
    expect((await agent.get(`/api/nothing/${canary.id}`)).status).toBe(404);
    expect((await staffAgent.get(`/staff/clients/${canary.id}`)).status).toBe(200);
    await app.server.drain();

    // A backup archive written by the scheduler (another part of Debrief): its time is reported.
    mkdirSync(app.config.backupDir, { recursive: true });
    const archive = path.join(app.config.backupDir, 'debrief-canary-7f3a.tar');
    writeFileSync(archive, 'not really a tar');
    const at = new Date('2026-12-01T10:00:00Z');
    utimesSync(archive, at, at);

    let text = '';
    await until(async () => {
      text = await (await scrape(app, `Bearer ${TOKEN}`)).text();
      return /debrief_events_pushed_total\{audience="portal"\} [1-9]/.test(text);
    }, 'events pushed counted');

    // What happened is counted…
    expect(text).toMatch(/debrief_sockets\{audience="portal"\} 1\b/);
    expect(text).toMatch(/debrief_sockets\{audience="staff"\} 1\b/);
    expect(text).toMatch(/debrief_events_pushed_total\{audience="staff"\} [1-9]/);
    expect(text).toMatch(/debrief_group_commit_seconds_count [1-9]/);
    expect(text).toMatch(/debrief_group_commit_writes_bucket\{le="1"\} [1-9]/);
    expect(text).toMatch(/debrief_http_request_duration_seconds_count\{method="POST",route="\/api\/chat\/:clientId\/messages",status_class="2xx"\} 1\b/);
    expect(text).toMatch(/debrief_http_request_duration_seconds_count\{method="GET",route="\/api\/attachments\/:id\/thumb",status_class="2xx"\} 1\b/);
    expect(text).toMatch(/route="\/api \(no route\)",status_class="4xx"/);
    expect(text).toContain(`debrief_last_backup_timestamp_seconds ${at.getTime() / 1000}`);
    expect(text).toMatch(/debrief_disk_free_bytes\{volume="data"\} [1-9]/);
    expect(text).toMatch(/debrief_disk_free_bytes\{volume="uploads"\} [1-9]/);
    expect(text).toContain('nodejs_eventloop_lag_seconds');

    // …and nobody is named.
    for (const secret of [
      'Canary',
      'canary',
      '7f3a',
      user.email,
      user.id,
      staff.id,
      canary.id,
      upload.body.attachment.id,
      app.config.dataDir,
      app.config.backupDir,
      '/staff/clients',
    ])
      expect(text, secret).not.toContain(secret);
    for (const m of text.matchAll(/route="([^"]*)"/g)) expect(m[1]).not.toMatch(/[0-9a-f]{8}-|\/\d+(\/|$)/);
  });
});
