import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/app.js';

/**
 * Issue 12, point 1: nothing outside `server/policies/access.ts` states an access condition. The
 * server's source (comments stripped) is scanned for conditions on the state columns access
 * depends on — published, portal on, archived, module and field switches, internal notes, shared
 * evidence — whether in TypeScript (`x.published === 1`, `!c.archived_at`, `if (f.published)`)
 * or in SQL (`.where('findings.published', …)`, `json_extract(modules…)`). Reading the columns
 * (select lists), writing them (`.set({ published: 1 })`) and presenting them through the
 * predicates `policies/access.ts` exports are fine.
 *
 * The only other files allowed to compare these columns are the commands that WRITE a setting and
 * compare the old value with the new one to know whether anything changed (listed with why).
 */

const HOME = 'server/policies/access.ts';
/** Writers of a state column comparing old with new (not a condition on who may see what). */
const WRITERS: Record<string, string> = {
  'server/commands/clients/update.ts': 'writes portal_enabled / modules / visible fields; compares old and new, ends sessions when the portal goes off',
  'server/commands/evidence/update.ts': 'writes evidence.shared; compares old and new',
};

const COLUMNS = '(?:published|portal_enabled|archived_at|internal|shared)';
/** A request's own fields (`input.internal === true`) are input, not stored state. */
const STATE = '\\b(?!input\\b|patch\\b|q\\b|query\\b|body\\b)\\w+\\??';
const PATTERNS: { name: string; re: RegExp }[] = [
  { name: 'a comparison on a state column', re: new RegExp(`${STATE}\\.${COLUMNS}\\b(?!_)\\s*(?:===|!==|==|!=|<|>)`) },
  { name: 'a negated state column', re: new RegExp(`!\\s*[\\w.?]+\\.${COLUMNS}\\b(?!_)`) },
  {
    name: 'a state column used as a condition',
    re: new RegExp(`(?:\\bif\\s*\\(|&&|\\|\\||\\?\\?)\\s*[\\w.?]+\\.${COLUMNS}\\b(?![_'"\\w])\\s*(?:\\)|&&|\\|\\||\\?)`),
  },
  { name: 'an SQL filter on a state column', re: new RegExp(`\\bwhere(?:Ref)?\\(\\s*['"\`][\\w.]*\\b${COLUMNS}['"\`]`) },
  { name: 'a module or field switch read as a condition', re: /\b(?:modulesOf|visibleFieldsOf)\([^)]*\)\s*(?:\[|\.\w)/ },
  { name: 'a module check outside the access rules', re: /\brequireModule\b/ },
  { name: 'a JSON switch read in SQL', re: /json_(?:extract|type)\s*\(/ },
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return rel === 'server/db' ? [] : sourceFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

const stripComments = (src: string) => src.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

/** Every line of `src` that states a condition, with what it is. */
export function conditionsIn(src: string): { line: number; what: string; text: string }[] {
  const found: { line: number; what: string; text: string }[] = [];
  stripComments(src)
    .split('\n')
    .forEach((text, i) => {
      for (const p of PATTERNS) if (p.re.test(text)) found.push({ line: i + 1, what: p.name, text: text.trim() });
    });
  return found;
}

describe('access conditions have one home', () => {
  it('no server file outside policies/access.ts states a condition on published, portal, archived, modules, fields, internal or shared', () => {
    const files = sourceFiles('server').filter((f) => f !== HOME && !f.startsWith('server/contracts/') && !Object.hasOwn(WRITERS, f));
    expect(files.length).toBeGreaterThan(100);
    const offences = files.flatMap((f) => conditionsIn(fs.readFileSync(path.join(ROOT, f), 'utf8')).map((c) => `${f}:${c.line} ${c.what}: ${c.text}`));
    expect(offences).toEqual([]);
  });

  it('the scan finds each way a condition used to be written (the code as it was before the access module)', () => {
    const before = [
      'if (finding.client_id !== user.client_id || finding.published !== 1) throw notFound();',
      'return f.published === 1 && f.portal_enabled === 1 && f.archived_at === null && modulesOf(f).findings;',
      "if (!client || !client.portal_enabled || client.archived_at !== null) return 'portal_disabled';",
      "if (!comment || (ctx.viewer.user.kind === 'portal' && comment.internal === 1)) throw notFound();",
      ".where('findings.published', '=', 1)",
      ".where('evidence.shared', '=', 1)",
      "if (audience === 'portal') q = q.where('comments.internal', '=', 0);",
      "else q = q.where('c.archived_at', 'is', null);",
      "requireModule('portal', client, 'reports');",
      "if (module && !modulesOf({ modules: r.client_modules ?? '{}' })[module]) return false;",
      'f.client_id === client.id && f.published === 1 && visibleFieldsOf(client).evidence;',
      "if (r.user_kind === 'portal' && (f.published !== 1 || f.client_id !== r.user_client_id)) return false;",
      'if (f.published) {',
      "if (!f.published) throw conflict('Publish the finding first.');",
      "sql`coalesce(json_extract(c.modules, '$.findings'), 1) <> 0`",
    ];
    for (const line of before) expect(conditionsIn(line), line).not.toEqual([]);
  });

  it('reading, writing and presenting the columns are not conditions', () => {
    const fine = [
      ".select(['findings.id', 'findings.published', 'clients.portal_enabled', 'clients.archived_at'])",
      '.set({ published: publish ? 1 : 0, published_at: now })',
      "await trx.updateTable('clients').set({ archived_at: now, updated_at: now })",
      'published: () => isPublished(f),',
      'archivedAt: c.archived_at,',
      '// a comment saying f.published === 1 is fine',
      'if (f.published_at == null) return null;',
      'const internal = input.internal === true;',
      'const { finding_published, ...row } = found;',
    ];
    for (const line of fine) expect(conditionsIn(line), line).toEqual([]);
  });
});

describe('staff scope has one home', () => {
  /** Who may name the scope's tables and setting, and why (everyone else asks `policies/access.ts`). */
  const SCOPE_FILES: Record<string, string> = {
    'server/policies/access.ts': 'the rule: seesEveryClient, reaches, reachesSql',
    'server/repositories/staff-scope.ts': 'loads a person’s scope from client_staff, project teams and the setting',
    'server/commands/clients/assign-staff.ts': 'writes a client’s assignments',
    'server/commands/clients/create.ts': 'assigns the analyst who creates a client',
    'server/repositories/firm.ts': 'reads and writes the firm setting (Settings → Security)',
  };
  const SCOPE = /\banalysts_see_all_clients\b|['"`]client_staff\b/;

  it('only the files listed read or write the scope setting and the assignments', () => {
    const named = sourceFiles('server').filter((f) => SCOPE.test(stripComments(fs.readFileSync(path.join(ROOT, f), 'utf8'))));
    expect(named.sort()).toEqual(Object.keys(SCOPE_FILES).sort());
  });

  it('the scan finds a scope check written elsewhere', () => {
    expect(SCOPE.test('if (firm.analysts_see_all_clients === 1) return rows;')).toBe(true);
    expect(SCOPE.test(".where('id', 'in', db.selectFrom('client_staff').select('client_id'))")).toBe(true);
    expect(SCOPE.test('const clientStaff = rooms.clientStaff(id);')).toBe(false);
  });
});
