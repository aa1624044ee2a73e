import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { inject } from 'postject';
import { buildIfStale, ROOT } from './build-inputs.js';
import { builtinModules } from 'node:module';
import { EXPECTED_SHIMS, nativeShims, REQUIRE_GUARD, unexpectedRequires, unexpectedWarnings } from './package-traps.js';
import type { NativeName, PackagedFile, PackageManifest } from '../server/packaged.js';

/**
 * `npm run package` → release/debrief: one Linux x64 executable that runs with no Node and no
 * node_modules. The web app is built if its sources changed; server/main.ts is bundled by esbuild
 * into one CommonJS file; Node's single executable application blob (the bundle plus, as assets,
 * the web app and the natives) is injected with postject into a stripped copy of this node binary.
 * The natives' loaders are replaced (scripts/package-traps.ts); server/packaged.ts unpacks and
 * loads them at run time.
 */
const RELEASE = path.join(ROOT, 'release');
const WORK = path.join(RELEASE, '.work');
const OUTPUT = path.join(RELEASE, 'debrief');
const SENTINEL = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** Stands for the build id in the first bundle; replaced once the id (a hash of that bundle and every asset) is known. */
const BUILD_ID_PLACEHOLDER = 'DEBRIEFBUILDID00';

const modulePath = (...p: string[]) => path.join(ROOT, 'node_modules', ...p);

/** The natives, each where node_modules has it (sharp's RPATH `$ORIGIN/../../sharp-libvips-linux-x64/lib` needs that layout). */
function nativeFiles(): { natives: Record<NativeName, string>; files: string[] } {
  const libvips = '@img/sharp-libvips-linux-x64/lib';
  const vipsLibs = fs.readdirSync(modulePath(libvips)).filter((f) => /^libvips.*\.so/.test(f));
  if (!vipsLibs.length) throw new Error(`Package build: no libvips in node_modules/${libvips}`);
  const natives: Record<NativeName, string> = {
    'better-sqlite3': 'better-sqlite3/build/Release/better_sqlite3.node',
    sharp: '@img/sharp-linux-x64/lib/sharp-linux-x64.node',
    argon2: '@node-rs/argon2-linux-x64-gnu/argon2.linux-x64-gnu.node',
  };
  const files = [...Object.values(natives), ...vipsLibs.map((f) => `${libvips}/${f}`)];
  for (const f of files) if (!fs.existsSync(modulePath(f))) throw new Error(`Package build: node_modules/${f} is missing`);
  return { natives: Object.fromEntries(Object.entries(natives).map(([k, v]) => [k, `node_modules/${v}`])) as Record<NativeName, string>, files };
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

async function main(): Promise<void> {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error('The package is built for Linux x64, on Linux x64');
  const started = Date.now();
  buildIfStale();

  // The assets: every native at its node_modules path, every file of the web app under client/.
  const { natives, files: nativeRel } = nativeFiles();
  const assets = new Map<string, string>(); // key → source file
  const packaged: PackagedFile[] = [];
  const add = (target: string, source: string) => {
    const key = target;
    assets.set(key, source);
    packaged.push({ asset: key, path: target, sha256: sha256(fs.readFileSync(source)) });
  };
  for (const rel of nativeRel) add(`node_modules/${rel}`, modulePath(rel));
  const clientRoot = path.join(ROOT, 'dist', 'client');
  for (const file of walk(clientRoot)) add(`client/${path.relative(clientRoot, file).split(path.sep).join('/')}`, file);
  const manifest: PackageManifest = { files: packaged, natives };

  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const commit = (git('rev-parse', '--short=12', 'HEAD') || 'unknown') + (git('status', '--porcelain') ? '-dirty' : '');
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });

  const shimmed = new Set<string>();
  const result = await build({
    entryPoints: [path.join(ROOT, 'server', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    write: false,
    outfile: path.join(WORK, 'main.cjs'),
    logLevel: 'silent',
    legalComments: 'none',
    banner: { js: REQUIRE_GUARD },
    define: {
      __DEBRIEF_BUILD__: JSON.stringify({ version: pkg.version, buildId: BUILD_ID_PLACEHOLDER, commit }),
      __DEBRIEF_PACKAGE__: JSON.stringify(manifest),
    },
    plugins: [nativeShims(shimmed)],
  });
  const bad = unexpectedWarnings(result.warnings, ROOT);
  if (bad.length) throw new Error(`Package build: esbuild warnings not on the list (scripts/package-traps.ts):\n${bad.join('\n')}`);
  const missing = EXPECTED_SHIMS.filter((s) => !shimmed.has(s));
  if (missing.length) throw new Error(`Package build: the shims for ${missing.join(', ')} replaced nothing; a package changed its layout`);

  const draft = result.outputFiles[0]!.text;
  const left = unexpectedRequires(draft.slice(REQUIRE_GUARD.length), builtinModules);
  if (left.length) throw new Error(`Package build: require calls left in the bundle that are not on the list (scripts/package-traps.ts):\n${left.join('\n')}`);
  if (!draft.includes(BUILD_ID_PLACEHOLDER)) throw new Error('Package build: the build id placeholder is missing from the bundle');
  const buildId = sha256([sha256(draft), ...packaged.map((f) => `${f.path}\0${f.sha256}`)].join('\n')).slice(0, 16);
  const bundle = draft.replaceAll(BUILD_ID_PLACEHOLDER, buildId);
  const bundleFile = path.join(WORK, 'main.cjs');
  fs.writeFileSync(bundleFile, bundle);

  const blob = path.join(WORK, 'sea.blob');
  const seaConfig = {
    main: bundleFile,
    output: blob,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: true,
    assets: Object.fromEntries(assets),
  };
  fs.writeFileSync(path.join(WORK, 'sea-config.json'), JSON.stringify(seaConfig, null, 2));
  execFileSync(process.execPath, ['--experimental-sea-config', path.join(WORK, 'sea-config.json')], { stdio: 'pipe' });

  const staged = path.join(WORK, 'debrief');
  fs.copyFileSync(process.execPath, staged);
  fs.chmodSync(staged, 0o755);
  execFileSync('strip', [staged], { stdio: 'inherit' });
  if (!fs.readFileSync(staged).includes(SENTINEL)) throw new Error(`Package build: ${process.execPath} has no SEA fuse (${SENTINEL})`);
  await inject(staged, 'NODE_SEA_BLOB', fs.readFileSync(blob), { sentinelFuse: SENTINEL });
  fs.renameSync(staged, OUTPUT);
  fs.rmSync(blob); // release/.work keeps the bundle and the SEA config, for a look inside

  const mib = (fs.statSync(OUTPUT).size / 2 ** 20).toFixed(1);
  process.stdout.write(
    `Wrote ${path.relative(process.cwd(), OUTPUT)}: debrief ${pkg.version}, build ${buildId}, commit ${commit}, ${mib} MiB, in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
