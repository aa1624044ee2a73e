import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/app.js';

/**
 * Import boundaries (issue 12, point 7, until a linter carries them): the browser reaches the
 * server only through `server/contracts/` ($contracts); the contracts import nothing but zod and
 * each other; lower layers never import higher ones; and there is no import cycle, type-only
 * imports included.
 */

const SOURCE = /\.(ts|svelte)$/;
function files(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return files(rel);
    return SOURCE.test(e.name) ? [rel] : [];
  });
}
const ALL = [...files('server'), ...files('client'), ...files('db')];
const KNOWN = new Set(ALL);

/** The import specifiers of a file (static imports and re-exports, type-only ones included). */
const specifiers = (file: string) =>
  [...fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);

/** A specifier resolved to a repository file, or null for a package. */
function resolve(from: string, spec: string): string | null {
  let base: string;
  if (spec.startsWith('.')) base = path.posix.join(path.posix.dirname(from), spec);
  else if (spec.startsWith('$contracts/')) base = `server/contracts/${spec.slice('$contracts/'.length)}`;
  else if (spec.startsWith('$lib/')) base = `client/lib/${spec.slice('$lib/'.length)}`;
  else return null;
  for (const c of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}.svelte`, base.replace(/\.js$/, '')]) if (KNOWN.has(c)) return c;
  return null;
}
const graph = new Map(ALL.map((f) => [f, specifiers(f).map((s) => ({ spec: s, to: resolve(f, s) }))]));
const imports = (f: string) => graph.get(f)!;

/** Strongly connected components with more than one file (Tarjan). */
function cycles(): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const { to: w } of imports(v)) {
      if (!w) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const f of ALL) if (!idx.has(f)) visit(f);
  return out;
}

/** Files under `from` that import anything under one of `forbidden`. */
const offences = (from: string, forbidden: string[]) =>
  ALL.filter((f) => f.startsWith(from)).flatMap((f) =>
    imports(f)
      .filter((i) => i.to && forbidden.some((d) => i.to!.startsWith(d)))
      .map((i) => `${f} → ${i.to}`),
  );

/** A Kysely query builder, a transaction or raw SQL: what routes hand to repositories and commands. */
const QUERY = /\b(?:selectFrom|insertInto|updateTable|deleteFrom)\(|\.transaction\(|\bsql`/;

/** The tables of the `Database` interface in db/schema.ts. */
function databaseTables(): string[] {
  const schema = fs.readFileSync(path.join(ROOT, 'db/schema.ts'), 'utf8');
  const body = schema.match(/export interface Database \{([\s\S]*?)\n\}/)![1]!;
  return [...body.matchAll(/^\s+(\w+):/gm)].map((m) => m[1]!);
}
/** A table named in source: `'users'`, `'users as u'`, `'users.id'`. */
const namesTable = (t: string) => new RegExp(`['"\`]${t}(?:['"\`.]|\\s+as\\s)`);

/** Tables no repository names, each with the only files that may name it (migrations aside) and why. */
const TABLE_EXCEPTIONS: Record<string, { home: string[]; why: string }> = {
  client_events: {
    home: ['server/events/log.ts'],
    why: 'the ordered event log: appended in the transaction of each change and read by the feed pump, in one module',
  },
  readiness_probe: {
    home: ['server/readiness.ts'],
    why: "/readyz's one-row write: it holds no data, only proves a write commits",
  },
};

describe('import boundaries', () => {
  it('has no import cycle, type-only imports included', () => {
    expect(ALL.length).toBeGreaterThan(300);
    expect(cycles()).toEqual([]);
  });

  it('the browser imports the server only through server/contracts ($contracts)', () => {
    const bad = ALL.filter((f) => f.startsWith('client/')).flatMap((f) =>
      imports(f)
        .filter((i) => i.to && !i.to.startsWith('client/') && !i.to.startsWith('server/contracts/'))
        .map((i) => `${f} → ${i.spec}`),
    );
    expect(bad).toEqual([]);
  });

  it('the browser never loads zod: client code reaches the contracts’ schemas only as types', () => {
    // Value imports only (`import type …` is erased from the build); .svelte scripts included.
    const valueSpecifiers = (file: string) =>
      [...fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\s(?!type\s)[^;]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
    const seen = new Set<string>();
    const stack = ALL.filter((f) => f.startsWith('client/'));
    const offences: string[] = [];
    while (stack.length) {
      const f = stack.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      for (const spec of valueSpecifiers(f)) {
        if (spec === 'zod') offences.push(f);
        const to = resolve(f, spec);
        if (to) stack.push(to);
      }
    }
    expect(seen.size).toBeGreaterThan(50); // the walk reached the client's code and the contracts it uses
    expect(offences).toEqual([]);
  });

  it('server/contracts imports nothing but zod and other contracts', () => {
    const bad = ALL.filter((f) => f.startsWith('server/contracts/')).flatMap((f) =>
      imports(f)
        .filter((i) => (i.to ? !i.to.startsWith('server/contracts/') : i.spec !== 'zod'))
        .map((i) => `${f} → ${i.spec}`),
    );
    expect(bad).toEqual([]);
  });

  it('lower layers never import higher ones', () => {
    const higher = ['server/routes/', 'server/commands/', 'server/queries/', 'server/realtime/', 'server/middleware/'];
    expect(offences('server/policies/', [...higher, 'server/repositories/', 'server/presenters/', 'server/services/'])).toEqual([]);
    expect(offences('server/visibility/', [...higher, 'server/repositories/', 'server/presenters/'])).toEqual([]);
    expect(offences('server/repositories/', [...higher, 'server/presenters/'])).toEqual([]);
    expect(offences('server/presenters/', higher)).toEqual([]);
    // Commands are transport-agnostic: after-commit socket pushes live in events/handlers, the HTTP adapter in middleware.
    expect(offences('server/commands/', ['server/routes/', 'server/realtime/', 'server/middleware/', 'server/events/handlers/'])).toEqual([]);
    expect(offences('server/repositories/', ['server/commands/', 'server/events/'])).toEqual([]);
    // Reads never import writes; infrastructure (group commit, send limits) is below both.
    expect(offences('server/queries/', ['server/commands/', 'server/routes/', 'server/realtime/', 'server/middleware/', 'server/events/handlers/'])).toEqual(
      [],
    );
    expect(offences('server/services/', higher)).toEqual([]);
    expect(offences('db/', ['server/routes/', 'server/commands/', 'server/realtime/', 'server/repositories/', 'server/presenters/'])).toEqual([]);
  });

  it('commands are grouped by domain, named by their verb, one write each; reads live in queries', () => {
    const commands = ALL.filter((f) => f.startsWith('server/commands/'));
    expect(commands.length).toBeGreaterThan(40);
    // server/commands/<domain>/<verb-phrase>.ts, nothing at the top.
    expect(commands.filter((f) => !/^server\/commands\/[a-z]+\/[a-z]+(?:-[a-z]+)*\.ts$/.test(f))).toEqual([]);
    const WRITES = /transaction\(\)|writes\.run\(|insertInto\(|updateTable\(|deleteFrom\(|writeAudit\(|appendEvents?\(|bus\.publish\(|commitRemediation\(/;
    const writersOf = (src: string) =>
      src.split(/\nexport /).flatMap((part) => {
        const m = /^async function (\w+)\(deps[^,]*, ctx: CommandContext/.exec(part);
        return m && WRITES.test(part) ? [m[1]] : [];
      });
    const writersIn = (f: string) => writersOf(fs.readFileSync(path.join(ROOT, f), 'utf8'));
    const many = commands
      .map((f) => [f, writersIn(f)] as const)
      .filter(([, w]) => w.length > 1)
      .map(([f, w]) => `${f}: ${w.join(', ')}`);
    expect(many).toEqual([]);
    // The scan is not vacuous: it finds the write of a known command, and two writes in one file.
    expect(writersIn('server/commands/chat/send.ts')).toEqual(['sendMessage']);
    const two =
      'x\nexport async function a(deps: AppDeps, ctx: CommandContext) {\n  await deps.writes.run(f);\n}\nexport async function b(deps: AppDeps, ctx: CommandContext) {\n  await writeAudit(trx);\n}\n';
    expect(writersOf(two)).toEqual(['a', 'b']);
    // Queries read; the only writes they make are audit rows: of downloads, of portal pages viewed,
    // and of the audit trail's own readers (views, exports and refusals of the Audit page and Access log).
    const writingQueries = ALL.filter((f) => f.startsWith('server/queries/')).filter((f) => WRITES.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(writingQueries).toEqual([
      'server/queries/audit/access-log.ts',
      'server/queries/audit/read.ts',
      'server/queries/audit/staff-export.ts',
      'server/queries/downloads.ts',
      'server/queries/portal.ts',
    ]);
  });

  it('presenters are pure functions of loaded rows: no SQL, no database handle', () => {
    const impure = ALL.filter((f) => f.startsWith('server/presenters/')).filter((f) =>
      /\b(selectFrom|insertInto|updateTable|deleteFrom)\(|from 'kysely'|db\/client/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')),
    );
    expect(impure).toEqual([]);
  });

  it('routes hold no queries: no Kysely builder, transaction or raw SQL in server/routes/', () => {
    const routes = ALL.filter((f) => f.startsWith('server/routes/'));
    expect(routes.length).toBeGreaterThan(10);
    const found = routes.flatMap((f) =>
      fs
        .readFileSync(path.join(ROOT, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (QUERY.test(line) ? [`${f}:${i + 1} ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });

  it('the query scan finds each way a route used to query', () => {
    for (const line of [
      "const user = await deps.db.selectFrom('users').selectAll().where('email', '=', input.email).executeTakeFirst();",
      "await trx.insertInto('firm').values({ id: 1 })",
      "await deps.db.updateTable('users').set({ last_login_at: now })",
      "await trx.deleteFrom('recovery_codes').where('user_id', '=', id).execute();",
      'const user = await deps.db.transaction().execute(async (trx) => {',
      'await sql`select 1`.execute(deps.db);',
    ])
      expect(QUERY.test(line), line).toBe(true);
    expect(QUERY.test('res.json({ clients: await listClients(deps, commandContextOf(req)) });')).toBe(false);
  });

  it('every table of the Database interface is named in server/repositories/ (or is a listed exception)', () => {
    const tables = databaseTables();
    expect(tables.length).toBeGreaterThan(20);
    expect(tables).toContain('users');
    const repositories = ALL.filter((f) => f.startsWith('server/repositories/')).map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8'));
    const named = (t: string) => repositories.some((src) => namesTable(t).test(src));
    expect(tables.filter((t) => !named(t) && !Object.hasOwn(TABLE_EXCEPTIONS, t))).toEqual([]);
    // An exception is a real table that no repository names, used only in its listed home.
    for (const [t, { home }] of Object.entries(TABLE_EXCEPTIONS)) {
      expect(tables, t).toContain(t);
      expect(named(t), `${t} has a repository now: drop the exception`).toBe(false);
      const users = ALL.filter((f) => (f.startsWith('server/') || f.startsWith('db/')) && !f.startsWith('db/migrations/')).filter((f) =>
        namesTable(t).test(fs.readFileSync(path.join(ROOT, f), 'utf8')),
      );
      expect(users, t).toEqual(home);
    }
  });

  it('the scan sees imports: a file that imports itself through a cycle would be found', () => {
    // The graph is real: known edges are present (guards against a resolver that finds nothing).
    expect(imports('server/realtime/io.ts').some((i) => i.to === 'server/realtime/rooms.ts')).toBe(true);
    expect(imports('client/lib/realtime/live.svelte.ts').some((i) => i.to === 'server/contracts/socket.ts')).toBe(true);
  });
});

describe('one way to each endpoint (issue 12, point 5)', () => {
  const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
  /** `r.get('/path'`-style registrations: the routes that bypass the endpoint map. */
  const DIRECT = /\br\.(get|post|put|patch|delete)\(\s*'([^']+)'/g;

  it('routes register JSON endpoints only through serve(); the direct ones stream files or are the single sign-on redirects', () => {
    const direct = ALL.filter((f) => f.startsWith('server/routes/')).flatMap((f) => [...read(f).matchAll(DIRECT)].map((m) => `${m[1]!.toUpperCase()} ${m[2]}`));
    expect(direct.sort()).toEqual([
      'GET /attachments/:id',
      'GET /attachments/:id/thumb',
      'GET /audit/export',
      'GET /auth/sso/:providerId/start',
      'GET /auth/sso/callback',
      'GET /brand.css',
      'GET /brand/:file',
      'GET /brand/favicon',
      'GET /evidence/:id/:variant',
      'GET /portal/access-log/export',
      'GET /reports/:id/download',
      'GET /users/:id/avatar',
    ]);
  });

  it('the browser reaches the API only through client/lib/api/http.ts (the report download fetches its file URL)', () => {
    const fetching = ALL.filter((f) => f.startsWith('client/') && /\bfetch\(|XMLHttpRequest\(/.test(read(f)));
    expect(fetching.sort()).toEqual(['client/lib/api/http.ts', 'client/lib/api/reports.ts']);
    expect(read('client/lib/api/reports.ts')).not.toMatch(/fetch\(\s*['`]\/api/);
  });

  it('the direct-route scan sees a registration', () => {
    expect([..."  r.post('/findings/:id/publish', async (req, res) => {".matchAll(DIRECT)].length).toBe(1);
  });
});
