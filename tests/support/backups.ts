import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { runScript } from './scripts.js';
import { ROOT, tempDir } from './app.js';
import type { Agent } from './http.js';
import { migrations } from '../../db/migrations/index.js';

/** Helpers for the backup and restore tests: what a folder holds, byte for byte, and archives made by hand. */

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Every entry under `dir` with its mode and, for files, its SHA-256: equal before and after means nothing changed. */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d).sort()) {
      const full = path.join(d, n);
      const st = lstatSync(full);
      const key = `${rel}${n}`;
      if (st.isDirectory()) {
        out[`${key}/`] = st.mode.toString(8);
        walk(full, `${key}/`);
      } else out[key] = `${st.mode.toString(8)} ${sha256(readFileSync(full))}`;
    }
  };
  walk(dir, '');
  return out;
}

/** `debrief backup FILE` on `dataDir`; fails the test unless it succeeded. */
export function backUp(dataDir: string, file: string, env: Record<string, string> = {}): string {
  const r = runScript('backup', { DATA_DIR: dataDir, ...env }, [file]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

/** The members of an archive, unpacked into a fresh folder. */
export async function unpack(file: string): Promise<string> {
  const dir = tempDir('debrief-unpacked-');
  await tar.x({ file, cwd: dir });
  return dir;
}

/** Re-pack an unpacked archive folder (after a test changed it) into `file`, manifest first. */
export async function repack(dir: string, file: string): Promise<void> {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { members: Record<string, string> };
  await tar.c({ file, cwd: dir, portable: true }, ['manifest.json', ...Object.keys(manifest.members)]);
}

/** Change one member's manifest entry (the members stay as they are). */
export function editManifest(dir: string, edit: (m: { members: Record<string, string>; [k: string]: unknown }) => void): void {
  const file = path.join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(file, 'utf8'));
  edit(m);
  writeFileSync(file, JSON.stringify(m));
}

/** How many findings a signed-in staff member sees across the projects (through the API, as the pages do). */
export async function findingsSeen(agent: Agent): Promise<number> {
  const projects = (await agent.get('/api/projects')).body.projects as { id: string }[];
  let n = 0;
  for (const p of projects) {
    const r = await agent.get(`/api/projects/${p.id}/findings`);
    expect(r.status).toBe(200);
    n += (r.body.findings as unknown[]).length;
  }
  return n;
}

/** A data folder made by the previous release's code (commit ba7916b: a demo firm, Carla's avatar); see its .md. */
export const FIXTURE = path.join(ROOT, 'tests', 'fixtures', 'data-ba7916b');
/** The sign-ins `demo` printed for the fixture. */
export const FIXTURE_SIGN_INS = readFileSync(path.join(ROOT, 'tests', 'fixtures', 'data-ba7916b.sign-ins.txt'), 'utf8');

/** A copy of the fixture's data folder in a fresh temp folder, changed by `change` (SQL on its database). */
export function copyOfFixture(change?: (db: Database.Database) => void): string {
  const dir = tempDir();
  cpSync(FIXTURE, dir, { recursive: true });
  if (change) {
    const db = new Database(path.join(dir, 'debrief.sqlite'));
    change(db);
    db.close();
  }
  return dir;
}

/** The migrations the fixture's data has (the previous release's), and those this build adds on top. */
export function fixtureMigrations(): { last: string; pending: string[] } {
  const db = new Database(path.join(FIXTURE, 'debrief.sqlite'), { readonly: true });
  const had = new Set((db.prepare('select name from kysely_migration').all() as { name: string }[]).map((m) => m.name));
  db.close();
  const known = Object.keys(migrations);
  return { last: [...had].sort().at(-1)!, pending: known.filter((m) => !had.has(m)) };
}
