import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, type TestApp } from '../support/app.js';
import { signInDemo } from '../support/scripts.js';
import { uploadChatFile } from '../support/chat.js';
import { getBytes, smallPng } from '../support/images.js';
import { debriefAtProvider, signInThrough, startProvider } from '../support/oidc-provider.js';

/**
 * The package smoke test (`npm run test:package`, .ci/run after `npm run package`): release/debrief
 * alone in an empty folder, run with `env -i` plus the server's variables, as a firm runs it:
 * demo → serve → healthy and ready → a demo Collaborator signs in (password + TOTP), chats and
 * uploads an image whose thumbnail loads, an admin signs in through an OpenID provider → backup while serving → restore into a new folder →
 * serve that → the same sign-in, message and thumbnail. stderr stays empty throughout.
 */
const BINARY = path.join(ROOT, 'release', 'debrief');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'debrief-package-'));
const exe = path.join(work, 'debrief');
const running: ChildProcess[] = [];

afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});

/** The variables a firm sets, and nothing else (no PATH, no NODE_*): `env -i` plus these. Without `dataDir`, DATA_DIR's default (./data). */
function envFor(port: number, dataDir?: string): Record<string, string> {
  return { PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, ...(dataDir ? { DATA_DIR: dataDir } : {}) };
}

function run(args: string[], env: Record<string, string>) {
  return spawnSync(exe, args, { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
}

/** `debrief` (serve) in the background, resolved once /healthz answers 200. */
async function serve(env: Record<string, string>): Promise<{ url: string; stderr: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(exe, [], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  child.stdout!.on('data', (d) => (stdout += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = env.PUBLIC_URL!;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the packaged server did not get healthy:\n${stdout}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stderr: () => stderr,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Every file under `dir` (the runtime folder aside) with its SHA-256. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, rel);
    if (rel.startsWith('.runtime') || !fs.statSync(file).isFile()) continue;
    out[rel] = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }
  return out;
}

const COLLABORATOR = 'dev@contoso.example';
/** The test helpers take a TestApp; over a port they need only its URL. */
const at = (url: string) => ({ url }) as TestApp;

describe.skipIf(!fs.existsSync(BINARY))('release/debrief, alone in an empty folder', () => {
  fs.copyFileSync(BINARY, exe);
  fs.chmodSync(exe, 0o755);
  const first = path.join(work, 'data'); // DATA_DIR's default, ./data beside the file
  const restored = path.join(work, 'restored');
  const archive = path.join(work, 'backup.tar');
  let demo = '';
  let message = '';
  let thumbUrl = '';
  let thumb: Buffer | null = null;

  it('prints its version without touching DATA_DIR, and its usage (unknown command: exit 2)', () => {
    const v = run(['version'], envFor(1));
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^debrief \d+\.\d+\.\d+ \(build [0-9a-f]{16}, commit \S+, Node v20\.\d+\.\d+\)\n$/);
    expect(v.stderr).toBe('');
    expect(fs.existsSync(first)).toBe(false);
    const unknown = run(['bogus'], envFor(1));
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command: bogus[\s\S]*Usage: debrief/);
    expect(fs.existsSync(first)).toBe(false);
  });

  it('demo → serve → healthy and ready → a Collaborator signs in, chats, uploads an image whose thumbnail loads', async () => {
    const port = await freePort();
    const env = { ...envFor(port), SSO_ALLOW_HTTP: 'true' }; // the tests' OpenID provider is on plain http
    const d = run(['demo'], env);
    expect(d.stderr).toBe('');
    expect(d.status).toBe(0);
    demo = d.stdout;
    const server = await serve(env);
    const ready = await fetch(`${server.url}/readyz`);
    // Soft: the steps after it still run (and report) when readiness fails.
    expect.soft(ready.status).toBe(200);
    expect.soft(ready.headers.get('content-type'), 'GET /readyz answered by the server, not the web app').toMatch(/json/);
    const collab = await signInDemo(at(server.url), demo, COLLABORATOR);
    const clientId = (await collab.get('/api/chat/channels')).body.channels[0].clientId as string;
    const up = await uploadChatFile(at(server.url), collab, clientId, await smallPng(), 'shot.png');
    expect(up.status, up.text).toBe(201);
    message = `From the package ${Date.now()}`;
    const sent = await collab.post(`/api/chat/${clientId}/messages`, {
      body: message,
      clientMessageId: `pkg${Date.now()}`,
      attachmentIds: [up.body.attachment.id],
    });
    expect(sent.status, sent.text).toBe(201);
    thumbUrl = up.body.attachment.thumbUrl;
    const t = await getBytes(at(server.url), collab, thumbUrl);
    expect(t.status).toBe(200);
    expect(t.headers.get('content-type')).toBe('image/webp');
    thumb = t.bytes;

    // Single sign-on inside the one file (openid-client and jose bundled): the provider's discovery is read, an admin signs in through it.
    const op = await startProvider([debriefAtProvider(server.url)]);
    try {
      const ada = await signInDemo(at(server.url), demo, 'ada@northwind.example');
      const set = await ada.put('/api/admin/sso', {
        label: 'Northwind SSO',
        issuer: op.issuer,
        clientId: 'debrief',
        clientSecret: 'a-client-secret-for-the-tests',
        scopes: 'openid email profile groups',
        roleClaim: 'groups',
        roleMap: { admin: ['admins'], analyst: [] },
        trustProviderMfa: true,
      });
      expect(set.status, set.text).toBe(200);
      const who = { sub: 'ada', email: 'ada@northwind.example', email_verified: true, amr: ['pwd', 'otp'], groups: ['admins'] };
      const signed = await signInThrough(server.url, op, set.body.provider.id, who);
      expect(signed.location).toBe('/');
      expect((await signed.agent.get('/api/session')).body).toMatchObject({ mfaVerified: true, user: { email: 'ada@northwind.example' } });
    } finally {
      await op.close();
    }

    // backup FILE while the server runs.
    const b = run(['backup', archive], env);
    expect(b.stderr).toBe('');
    expect(b.status).toBe(0);
    expect(fs.existsSync(archive)).toBe(true);
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).toBe('');
  });

  it('restore into a non-empty folder exits 1 and changes nothing', () => {
    expect(fs.existsSync(archive)).toBe(true);
    const before = snapshot(first);
    const r = run(['restore', archive], envFor(1));
    expect(r.status).toBe(1);
    expect(snapshot(first)).toEqual(before);
  });

  it('restore FILE into a new folder → serve it → the same sign-in, message and thumbnail', async () => {
    expect(thumb).not.toBeNull();
    const port = await freePort();
    const env = envFor(port, restored);
    const r = run(['restore', archive], env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const server = await serve(env);
    // The restored data remembers the authenticator step the first sign-in used (a code works
    // once), so this sign-in uses the next step's code, as a person signing in later would.
    const collab = await signInDemo(at(server.url), demo, COLLABORATOR, Date.now() + 30_000);
    const clientId = (await collab.get('/api/chat/channels')).body.channels[0].clientId as string;
    const list = await collab.get(`/api/chat/${clientId}/messages`);
    expect(JSON.stringify(list.body)).toContain(message);
    const t = await getBytes(at(server.url), collab, thumbUrl);
    expect(t.status).toBe(200);
    expect(t.bytes.equals(thumb!)).toBe(true);
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).toBe('');
  });
});
