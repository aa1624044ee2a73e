import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Keeps docs/security-tests.md honest: one row per anchor id of the shared security anchors
 * (../shared/reference/security-anchors.md, read-only beside the repo; 70 distinct ids when it is
 * absent), every row names a proving test or gives an `n/a:`/`gap:` reason, and every test it
 * names exists: the file, and the name as the first argument of a call (`it('…',`,
 * `describe('…',`, `it.each(…)('…',`). A name ending in `…` is the literal text of a template
 * string before its first `${`. No server is started.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TABLE_FILE = path.join(ROOT, 'docs', 'security-tests.md');
const ANCHORS_FILE = path.resolve(ROOT, '..', 'shared', 'reference', 'security-anchors.md');
const FALLBACK_COUNT = 70;

/** A markdown table row whose first cell is an anchor id such as `A1` or `I10`. */
const ID_ROW = /^\|\s*([A-Z]\d+)\s*\|/;
/** A reference: `tests/…/file.test.ts` › `test name`. */
const REF = /`(tests\/[^`]+?\.test\.ts)`\s*›\s*`([^`]+)`/g;
const REASON = /(?:^|[\s|])(n\/a|gap):/;

interface Row {
  id: string;
  line: number;
  text: string;
  refs: { file: string; name: string }[];
  gap: boolean;
  na: boolean;
}

function anchorIds(markdown: string): string[] {
  return markdown.split('\n').flatMap((l) => ID_ROW.exec(l)?.[1] ?? []);
}

function tableRows(markdown: string): Row[] {
  return markdown.split('\n').flatMap((text, i): Row[] => {
    const id = ID_ROW.exec(text)?.[1];
    if (!id) return [];
    const refs = [...text.matchAll(REF)].map((m) => ({ file: m[1]!, name: m[2]! }));
    const reasons = [...text.matchAll(new RegExp(REASON, 'g'))].map((m) => m[1]);
    return [{ id, line: i + 1, text, refs, gap: reasons.includes('gap'), na: reasons.includes('n/a') }];
  });
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether `name` is the first argument of a call in `source` (a describe/it/test name). */
function namesATest(source: string, name: string): boolean {
  // Read escaped quotes as the characters they stand for ('that person\'s' → that person's).
  const text = source.replace(/\\(['"`])/g, '$1');
  if (name.endsWith('…')) {
    const prefix = name.slice(0, -1);
    return prefix.trim().length > 0 && new RegExp(`\\(\\s*\`${escapeRe(prefix)}\\$\\{`).test(text);
  }
  return ["'", '"', '`'].some((q) => new RegExp(`\\(\\s*${q}${escapeRe(name)}${q}\\s*,`).test(text));
}

const table = readFileSync(TABLE_FILE, 'utf8');
const rows = tableRows(table);

describe('docs/security-tests.md', () => {
  it('has exactly one row per anchor id of security-anchors.md (70 distinct ids without it)', () => {
    const ids = rows.map((r) => r.id);
    const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(duplicates, 'ids with more than one row').toEqual([]);
    if (existsSync(ANCHORS_FILE)) {
      const anchors = anchorIds(readFileSync(ANCHORS_FILE, 'utf8'));
      expect(new Set(anchors).size, 'anchor ids in security-anchors.md are distinct').toBe(anchors.length);
      expect(rows.length, `rows in the table vs anchor ids in ${ANCHORS_FILE}`).toBe(anchors.length);
      expect([...ids].sort(), 'the table names exactly the anchor ids').toEqual([...anchors].sort());
    } else {
      expect(new Set(ids).size).toBe(FALLBACK_COUNT);
      expect(rows.length).toBe(FALLBACK_COUNT);
    }
  });

  it('gives every row a proving test or an n/a: or gap: reason', () => {
    const empty = rows.filter((r) => r.refs.length === 0 && !r.gap && !r.na).map((r) => `${r.id} (line ${r.line})`);
    expect(empty).toEqual([]);
  });

  it('names only test files that exist', () => {
    const missing = rows.flatMap((r) => r.refs.filter((ref) => !existsSync(path.join(ROOT, ref.file))).map((ref) => `${r.id}: ${ref.file}`));
    expect(missing).toEqual([]);
  });

  it('names only tests that exist in those files', () => {
    const sources = new Map<string, string>();
    const source = (file: string) => {
      if (!sources.has(file)) sources.set(file, readFileSync(path.join(ROOT, file), 'utf8'));
      return sources.get(file)!;
    };
    const unknown = rows.flatMap((r) =>
      r.refs
        .filter((ref) => existsSync(path.join(ROOT, ref.file)) && !namesATest(source(ref.file), ref.name))
        .map((ref) => `${r.id}: ${ref.file} › ${ref.name}`),
    );
    expect(rows.flatMap((r) => r.refs).length).toBeGreaterThan(100);
    expect(unknown).toEqual([]);
  });

  it('states the counts it contains in its summary line', () => {
    const proven = rows.filter((r) => !r.gap && r.refs.length > 0).length;
    const na = rows.filter((r) => !r.gap && r.refs.length === 0 && r.na).length;
    const gap = rows.filter((r) => r.gap).length;
    expect(/Summary: \*\*[^*]*\*\*/.exec(table)?.[0]).toBe(`Summary: **${proven} proven, ${na} n/a, ${gap} gap**`);
  });
});

describe('the name matcher', () => {
  const src = [
    "it('plain name', async () => {});",
    'describe("double quoted", () => {});',
    "it.each([[1]])('each %s', () => {});",
    'it(`refuses ${label} with 415`, () => {});',
    "it('can\\'t stop', () => {});",
    "const notATest = 'loose string';",
  ].join('\n');

  it('finds names passed to describe/it/test, placeholders and template prefixes included', () => {
    for (const name of ['plain name', 'double quoted', 'each %s', 'refuses …', "can't stop"]) expect(namesATest(src, name), name).toBe(true);
  });

  it('refuses partial names, loose strings and empty prefixes', () => {
    for (const name of ['plain', 'loose string', 'refuses', '…', 'with 415']) expect(namesATest(src, name), name).toBe(false);
  });
});
