import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * `npm run build` only when its inputs changed: a SHA-256 of every input file's path and bytes,
 * stored in dist/ by the last step of a successful `npm run build` (mtimes lie after a checkout or a
 * copy; contents don't).
 */
export const ROOT = path.resolve(import.meta.dirname, '..');
const INPUT_DIRS = ['client', 'server', 'db'];
const INPUT_FILES = ['package.json', 'package-lock.json', 'vite.config.ts', 'svelte.config.js', 'tsconfig.json', 'server/tsconfig.build.json'];
const STAMP = path.join(ROOT, 'dist', '.inputs-sha256');

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
}

/** The hash of what `npm run build` reads. */
export function inputsHash(): string {
  const h = createHash('sha256');
  const files = [...INPUT_DIRS.flatMap((d) => walk(path.join(ROOT, d))), ...INPUT_FILES.map((f) => path.join(ROOT, f)).filter((f) => fs.existsSync(f))];
  for (const file of files) h.update(path.relative(ROOT, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  return h.digest('hex');
}

/** Run `npm run build` unless dist/ was built from these very inputs; say which, in one line. */
export function buildIfStale(): void {
  const hash = inputsHash();
  const built = fs.existsSync(STAMP) ? fs.readFileSync(STAMP, 'utf8').trim() : '';
  if (built === hash && fs.existsSync(path.join(ROOT, 'dist', 'server', 'main.js')) && fs.existsSync(path.join(ROOT, 'dist', 'client'))) {
    process.stdout.write(`Build is up to date (inputs ${hash.slice(0, 12)}), not rebuilding.\n`);
    return;
  }
  process.stdout.write(built ? 'Sources changed since the last build: building…\n' : 'No build yet: building…\n');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

/** The last step of `npm run build`: record the inputs it was built from. */
export function stampBuild(): void {
  fs.writeFileSync(STAMP, `${inputsHash()}\n`);
}
