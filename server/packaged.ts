import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sea from 'node:sea';
import { loadConfig } from './config.js';
import { buildInfo } from './build-info.js';

/**
 * The packaged file's runtime (`npm run package`, scripts/package.ts): the natives and the web app
 * ride inside the executable as SEA assets. On first use (never for `version` or `--help`) they are
 * written once per build, atomically (a temporary folder renamed), to `RUNTIME_DIR/<build id>/`
 * in node_modules layout (sharp's RPATH `$ORIGIN/../..` then finds libvips), checked against the
 * build's SHA-256 sums at every start (a missing or changed file is written again from the
 * executable), and the natives loaded with `process.dlopen`. Other builds' folders are removed.
 */

/** One embedded file: its SEA asset key, where it goes under the build folder, its SHA-256. */
export interface PackagedFile {
  asset: string;
  path: string;
  sha256: string;
}

export type NativeName = 'better-sqlite3' | 'sharp' | 'argon2';

export interface PackageManifest {
  files: PackagedFile[];
  /** Each native's path under the build folder (one of `files`). */
  natives: Record<NativeName, string>;
}

// Set by the package build (esbuild's `define`); undefined under tsx or dist.
declare const __DEBRIEF_PACKAGE__: PackageManifest | undefined;

/** True inside the packaged executable. */
export function isPackaged(): boolean {
  return typeof __DEBRIEF_PACKAGE__ !== 'undefined';
}

const TEMP_PREFIX = '.tmp-';
/** A temporary folder another start of the same build may still be filling is left alone this long. */
const STALE_TEMP_MS = 10 * 60_000;
/** A build's folder name (scripts/package.ts: 16 hex digits): the only other entries start-up removes, with stale temp folders. */
const BUILD_FOLDER = /^[0-9a-f]{16}$/;

let prepared: string | null = null;
const loaded = new Map<NativeName, unknown>();

/** Stop start-up with one line (the packaged file cannot run without its natives). */
function stop(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function writeFileAtomic(target: string, asset: string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = `${target}${TEMP_PREFIX}${process.pid}`;
  fs.writeFileSync(temp, new Uint8Array(sea.getAsset(asset)), { mode: 0o755 });
  fs.renameSync(temp, target);
}

/** The mount holding `dir` and whether it forbids executing (and so mapping) files: /proc/self/mountinfo. */
function mountOf(dir: string, mountinfo: string): { mountPoint: string; noexec: boolean } | null {
  let best: { mountPoint: string; noexec: boolean } | null = null;
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 6) continue;
    const mountPoint = fields[4]!.replace(/\\040/g, ' ');
    const inside = dir === mountPoint || dir.startsWith(mountPoint.endsWith('/') ? mountPoint : `${mountPoint}/`);
    if (inside && (!best || mountPoint.length >= best.mountPoint.length)) best = { mountPoint, noexec: fields[5]!.split(',').includes('noexec') };
  }
  return best;
}

function noexecLine(runtimeDir: string, mountPoint: string): string {
  return `RUNTIME_DIR ${runtimeDir} is on the mount ${mountPoint}, mounted noexec: the packaged natives cannot be loaded from it; set RUNTIME_DIR to a folder on a mount that allows executables`;
}

/** Stop unless `dir` is a real folder of this user's that no one else can write to. */
function ownFolder(runtimeDir: string, dir: string, st: fs.Stats): void {
  if (!st.isDirectory() || st.uid !== process.getuid?.() || st.mode & 0o022)
    stop(`RUNTIME_DIR ${runtimeDir}: ${dir} must be a folder of this user's that no one else can write to (it holds the natives this program loads)`);
}

/** The build's folder, written and checked on the first call of this process. */
function runtimeFolder(): string {
  if (prepared) return prepared;
  const manifest = __DEBRIEF_PACKAGE__;
  if (!manifest) throw new Error('runtimeFolder() is only for the packaged executable');
  const { runtimeDir } = loadConfig();
  const buildDir = path.join(runtimeDir, buildInfo().buildId);
  try {
    fs.mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
    // The natives are loaded from here: a folder someone else can write to could swap them.
    ownFolder(runtimeDir, runtimeDir, fs.statSync(runtimeDir));
    if (fs.existsSync(buildDir)) ownFolder(runtimeDir, buildDir, fs.lstatSync(buildDir));
    if (!fs.existsSync(buildDir)) {
      const temp = fs.mkdtempSync(path.join(runtimeDir, TEMP_PREFIX));
      for (const f of manifest.files) writeFileAtomic(path.join(temp, f.path), f.asset);
      try {
        fs.renameSync(temp, buildDir);
      } catch (err) {
        // Another start of this build got there first: use its folder (checked below).
        fs.rmSync(temp, { recursive: true, force: true });
        if (!fs.existsSync(buildDir)) throw err;
      }
    }
    for (const f of manifest.files) {
      const file = path.join(buildDir, f.path);
      if (!fs.existsSync(file) || sha256(file) !== f.sha256) writeFileAtomic(file, f.asset);
    }
    // Only other builds' folders and stale temp folders: RUNTIME_DIR may be a folder with other things in it.
    for (const entry of fs.readdirSync(runtimeDir)) {
      const other = path.join(runtimeDir, entry);
      if (other === buildDir) continue;
      const stale = entry.startsWith(TEMP_PREFIX) && Date.now() - fs.statSync(other).mtimeMs >= STALE_TEMP_MS;
      if (BUILD_FOLDER.test(entry) || stale) fs.rmSync(other, { recursive: true, force: true });
    }
  } catch (err) {
    stop(`Cannot write the packaged runtime files to ${runtimeDir} (RUNTIME_DIR): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const mount = mountOf(fs.realpathSync(buildDir), readMountinfo());
  if (mount?.noexec) stop(noexecLine(runtimeDir, mount.mountPoint));
  prepared = buildDir;
  return buildDir;
}

function readMountinfo(): string {
  try {
    return fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return '';
  }
}

/**
 * A native addon of the packaged executable, dlopen'ed from the build folder on first use.
 * @public Called by the loaders scripts/package-traps.ts puts in the bundle.
 */
export function loadNative(name: NativeName): unknown {
  if (loaded.has(name)) return loaded.get(name);
  const dir = runtimeFolder();
  const file = path.join(dir, __DEBRIEF_PACKAGE__!.natives[name]);
  const module = { exports: {} as unknown };
  try {
    process.dlopen(module, file);
  } catch (err) {
    // The mount check above misses a noexec that /proc does not show (a container's view).
    if (/failed to map segment/.test((err as Error).message)) stop(noexecLine(loadConfig().runtimeDir, `holding ${dir}`));
    throw err;
  }
  loaded.set(name, module.exports);
  return module.exports;
}

/** The web app's folder inside the build folder. */
export function packagedClientDir(): string {
  return path.join(runtimeFolder(), 'client');
}
