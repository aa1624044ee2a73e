import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, freePort, startTestApp, tempDir, type TestApp } from '../support/app.js';
import { buildFirm, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { ask, connected, connectSocket } from '../support/socket.js';

/**
 * docs/operations.md holds the files a firm copies: the systemd unit, the Caddyfile and the nginx
 * config. These tests use those very blocks: systemd-analyze verifies the unit, and Debian's nginx
 * and Caddy each run their file (only the name, ports and certificate swapped for the test's) in
 * front of a real server, over TLS. Through each, sign-in and live connections work and the
 * server sees the real client: rate limits count per client address, not per proxy.
 */

const DOC = readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8');
function block(lang: string): string {
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(DOC);
  if (!m) throw new Error(`docs/operations.md has no \`\`\`${lang} block`);
  return m[1]!;
}

// nginx lives in /usr/sbin, which a non-login PATH may leave out.
const PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { env: { PATH } }).status === 0;
}

describe('the systemd unit in docs/operations.md', () => {
  const unit = block('ini');
  const setting = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];

  it('passes systemd-analyze verify with no warning', () => {
    expect(have('systemd-analyze'), 'systemd-analyze is needed (Debian: apt-get install systemd)').toBe(true);
    const dir = tempDir();
    const file = path.join(dir, 'debrief.service');
    // The binary is not installed here: any executable stands in for it.
    writeFileSync(file, unit.replace('/usr/local/bin/debrief', '/bin/true'));
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', env: { PATH } });
    expect(r.stderr.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('runs as its own user in its state folder, restarts on failure and waits out the shutdown grace', () => {
    expect(setting('User')).toBe('debrief');
    expect(setting('StateDirectory')).toBe('debrief');
    expect(setting('Restart')).toBe('on-failure');
    expect(setting('Environment=HOST')).toBe('127.0.0.1');
    expect(setting('Environment=TRUST_PROXY')).toBe('loopback');
    const graceMs = Number(setting('Environment=SHUTDOWN_GRACE_MS'));
    expect(Number(setting('TimeoutStopSec')) * 1000).toBeGreaterThan(graceMs);
    // Node's JIT writes code, then runs it: this setting would kill the process at start.
    expect(unit).not.toMatch(/^MemoryDenyWriteExecute=/m);
  });
});

/** A certificate for localhost, made now, and its key (PEM files in `dir`). */
function certificate(dir: string): { cert: string; key: string } {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const s = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  if (s.status !== 0) throw new Error(`openssl failed: ${s.stderr}`);
  return { cert, key };
}

interface Proxy {
  name: string;
  binary: string;
  /** Start it in front of 127.0.0.1:`appPort`, serving https://localhost:`port`. */
  start(dir: string, tls: { cert: string; key: string }, port: number, appPort: number): ChildProcess;
}

const PROXIES: Proxy[] = [
  {
    name: 'nginx',
    binary: 'nginx',
    start(dir, tls, port, appPort) {
      const site = block('nginx')
        .replace('listen 80;', `listen 127.0.0.1:${port + 1};`)
        .replace('listen 443 ssl http2;', `listen 127.0.0.1:${port} ssl http2;`)
        .replaceAll('portal.example.com', 'localhost')
        .replace(/ssl_certificate .*;/, `ssl_certificate ${tls.cert};`)
        .replace(/ssl_certificate_key .*;/, `ssl_certificate_key ${tls.key};`)
        .replace('http://127.0.0.1:3000', `http://127.0.0.1:${appPort}`);
      const conf = path.join(dir, 'nginx.conf');
      // What /etc/nginx/nginx.conf gives a conf.d file, with every path in the test's folder.
      writeFileSync(
        conf,
        [
          ...(process.getuid?.() === 0 ? ['user root;'] : []),
          `pid ${dir}/nginx.pid;`,
          `error_log ${dir}/error.log;`,
          'events {}',
          'http {',
          '  access_log off;',
          ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`),
          site,
          '}',
        ].join('\n'),
      );
      return spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { env: { PATH }, stdio: ['ignore', 'ignore', 'pipe'] });
    },
  },
  {
    name: 'Caddy',
    binary: 'caddy',
    start(dir, tls, port, appPort) {
      const site = block('caddyfile')
        .replace('portal.example.com {', `https://localhost:${port} {\n\ttls ${tls.cert} ${tls.key}`)
        .replace('reverse_proxy 127.0.0.1:3000', `reverse_proxy 127.0.0.1:${appPort}`);
      const file = path.join(dir, 'Caddyfile');
      writeFileSync(file, `{\n\tadmin off\n\tauto_https disable_redirects\n\tstorage file_system ${dir}/caddy\n}\n\n${site}`);
      return spawn('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], {
        env: { PATH, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    },
  },
];

const METRICS_TOKEN = 'a-metrics-token-for-the-proxy-test';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe.each(PROXIES)('behind $name, configured as docs/operations.md says', (proxy) => {
  let app: TestApp;
  let child: ChildProcess;
  let port: number;
  let ca: Buffer;
  const stderr: string[] = [];

  /** One HTTPS request through the proxy from `from` (an address on the loopback range), checking the certificate. */
  function request(method: string, urlPath: string, o: { from?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port,
          method,
          path: urlPath,
          ca,
          localAddress: o.from ?? '127.0.0.1',
          agent: false,
          headers: {
            host: `localhost:${port}`,
            origin: app.url,
            ...(payload && { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
            ...o.headers,
          },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  beforeAll(async () => {
    expect(have(proxy.binary), `${proxy.binary} is needed (Debian: apt-get install ${proxy.binary}; .ci/run installs it)`).toBe(true);
    const dir = tempDir();
    const tls = certificate(dir);
    ca = readFileSync(tls.cert);
    port = await freePort();
    app = await startTestApp({ PUBLIC_URL: `https://localhost:${port}`, TRUST_PROXY: 'loopback', METRICS_TOKEN });
    await buildFirm(app.db);
    child = proxy.start(dir, tls, port, app.config.port);
    child.stderr!.on('data', (d) => stderr.push(String(d)));
    for (let i = 0; ; i++) {
      const up = await request('GET', '/healthz').catch(() => null);
      if (up?.status === 200) break;
      if (i > 100 || child.exitCode !== null) throw new Error(`${proxy.name} did not come up: ${stderr.join('')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);

  afterAll(async () => {
    child?.kill('SIGTERM');
    await app?.close();
  });

  it('signs a person in over TLS: a Secure __Host- cookie, and the session records the real client', async () => {
    const staff = await buildStaff(app.db, { email: `proxy-${proxy.binary}@acme.test` });
    const login = await request('POST', '/api/auth/login', { from: '127.0.0.2', body: { email: staff.email, password: PASSWORD } });
    expect(login.status).toBe(200);
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/^__Host-/);
    expect(cookie).toMatch(/; Secure/i);
    const session = await request('GET', '/api/session', { from: '127.0.0.2', headers: { cookie: cookie.split(';')[0]! } });
    expect(session.status).toBe(200);
    expect(JSON.parse(session.body).user.email).toBe(staff.email);
    const row = await app.db.selectFrom('sessions').select('ip').where('user_id', '=', staff.id).executeTakeFirstOrThrow();
    expect(row.ip).toBe('127.0.0.2');
  });

  it('carries the live connection (WebSocket) through', async () => {
    const staff = await buildStaff(app.db);
    const agent = await signIn(app, staff);
    // socket.io's client passes `ca` on to its WebSocket: the certificate is checked here too.
    const socket = connectSocket(app, agent, { ca });
    try {
      await connected(socket);
      expect(socket.io.engine.transport.name).toBe('websocket');
      expect((await ask(socket, 'feed:subscribe', { since: null })).ok).toBe(true);
    } finally {
      socket.close();
    }
  });

  it('lets the rate limits see each client, whatever X-Forwarded-For the client sends', async () => {
    let n = 0;
    // A new address each time: the per-address limit is the one looked at, not the per-e-mail one.
    const ask = (from: string) =>
      request('POST', '/api/auth/password-reset', { from, body: { email: `nobody-${n++}@acme.test` }, headers: { 'x-forwarded-for': '203.0.113.9' } });
    // Ten at once per address (server/routes/password-reset.ts), then one a minute.
    for (let i = 0; i < 10; i++) expect((await ask('127.0.0.3')).status).toBe(202);
    expect((await ask('127.0.0.3')).status).toBe(429);
    // Another client, behind the same proxy, is not held back by the first one's limit.
    expect((await ask('127.0.0.4')).status).toBe(202);
  });

  it('keeps /metrics private, however it is spelt, and lets a report-sized body reach the server', async () => {
    // The server itself would answer: the right token is sent, so only the proxy can refuse.
    const bearer = { authorization: `Bearer ${METRICS_TOKEN}` };
    expect((await fetch(`http://127.0.0.1:${app.config.port}/metrics`, { headers: bearer })).status).toBe(200);
    for (const spelt of ['/metrics', '/METRICS', '/metrics/', '/Metrics?x=1']) {
      const metrics = await request('GET', spelt, { headers: bearer });
      expect(metrics.status, spelt).toBe(404);
      expect(metrics.body, spelt).not.toContain('debrief_');
    }
    // 2 MB: past both proxies' 1 MB default; the answer is the server's own JSON refusal (its JSON body limit), not the proxy's.
    const big = await request('POST', '/api/auth/login', { body: { email: 'x@acme.test', password: 'x'.repeat(2_000_000) } });
    expect(big.status).toBe(413);
    expect(big.headers['content-type']).toMatch(/json/);
  });
});
