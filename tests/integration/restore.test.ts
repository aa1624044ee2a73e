import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, tempDir } from '../support/app.js';
import { runScript, signInDemo } from '../support/scripts.js';
import { getBytes, postRaw } from '../support/evidence.js';
import { smallPng } from '../support/images.js';
import { buildFirm, signIn } from '../support/factories.js';
import { chatPeople, cmid, uploadChatFile } from '../support/chat.js';
import { backUp, editManifest, findingsSeen, repack, sha256, tree, unpack } from '../support/backups.js';
import { migrations } from '../../db/migrations/index.js';
import { buildInfo } from '../../server/build-info.js';

/**
 * `debrief backup FILE` then `debrief restore FILE` (issue 16, points 4 and 6), run as a person
 * runs them. A demo firm with an uploaded avatar goes round trip into an empty folder, where a
 * server signs the demo manager in (password + authenticator: the key came back too) and serves
 * the avatar. Each refusal — a flipped byte, a newer schema, a wrong SECRET_KEY, a missing upload,
 * a non-empty DATA_DIR — exits 1 with one line and leaves DATA_DIR and FILE byte for byte as they were.
 */
const data = tempDir();
const out = tempDir();
const archive = path.join(out, 'debrief.tar');
let demo = '';
let avatar: Buffer;
let carlaId = '';
/** The TOTP time step of Carla's sign-in before the backup: a code is accepted once, so the restored server needs a later one. */
let carlaStep = 0;
const cleanup: string[] = [data, out];

beforeAll(async () => {
  const seeded = runScript('seed', { DATA_DIR: data });
  if (seeded.status !== 0) throw new Error(`demo failed: ${seeded.stderr}`);
  demo = seeded.stdout;
  const app = await startTestApp({ DATA_DIR: data, DATABASE_URL: '' });
  try {
    const carla = await signInDemo(app, demo, 'carla@contoso.example');
    expect((await postRaw(app, carla, '/profile/avatar', await smallPng('#aa3311', 96), 'image/png')).status).toBe(200);
    carlaStep = Math.floor(Date.now() / 30_000);
    carlaId = (await carla.get('/api/session')).body.user.id;
    avatar = (await getBytes(app, carla, `/api/users/${carlaId}/avatar`)).bytes;
    expect(avatar.length).toBeGreaterThan(0);
  } finally {
    await app.close();
  }
  backUp(data, archive);
}, 180_000);
afterAll(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

/** Restore `file` into `dataDir` expecting a refusal: exit 1, one line, DATA_DIR and FILE unchanged. */
function refused(file: string, dataDir: string, env: Record<string, string> = {}): string {
  const before = tree(dataDir);
  const archiveBefore = sha256(readFileSync(file));
  const r = runScript('restore', { DATA_DIR: dataDir, ...env }, [file]);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.status).toBe(1);
  expect(tree(dataDir)).toEqual(before);
  expect(sha256(readFileSync(file))).toBe(archiveBefore);
  return r.stderr.trim();
}

/** An empty data folder but for a runtime folder (which restore leaves aside). */
function emptyDataDir(): string {
  const d = tempDir();
  cleanup.push(d);
  mkdirSync(path.join(d, '.runtime', 'build-1'), { recursive: true });
  writeFileSync(path.join(d, '.runtime', 'build-1', 'native.node'), 'x');
  return d;
}

/** A changed copy of the archive: unpacked, `change` applied to the folder, re-packed. */
async function variant(name: string, change: (dir: string) => void): Promise<string> {
  const dir = await unpack(archive);
  cleanup.push(dir);
  change(dir);
  const file = path.join(out, name);
  await repack(dir, file);
  return file;
}

describe('debrief backup FILE (SQLite)', () => {
  it('writes one 0600 tar: manifest, snapshot, the referenced upload, the key; no partial file left', async () => {
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    const dir = await unpack(archive);
    cleanup.push(dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.lastMigration).toBe(Object.keys(migrations).at(-1));
    expect(manifest.key).toEqual({ kind: 'file' });
    const uploads = Object.keys(manifest.members).filter((m) => m.startsWith('uploads/avatars/'));
    expect(uploads).toHaveLength(1);
    for (const [m, hash] of Object.entries(manifest.members)) expect(sha256(readFileSync(path.join(dir, m)))).toBe(hash);
    expect(Object.keys(manifest.members)).toEqual(expect.arrayContaining(['debrief.sqlite', 'secret.key']));
    expect(readdirSync(out)).toEqual(['debrief.tar']);
  });

  it('exits 1 and leaves no FILE nor FILE.partial when the folder is missing', () => {
    const r = runScript('backup', { DATA_DIR: data }, [path.join(out, 'no', 'such.tar')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^Cannot write the backup: the folder .*no does not exist\.$/);
  });
});

describe('debrief backup FILE after a chat message with a file was deleted', () => {
  it('leaves out the deleted message’s files (gone on purpose), and the archive restores', async () => {
    const dir = tempDir();
    cleanup.push(dir);
    const app = await startTestApp({ DATA_DIR: dir, DATABASE_URL: '' });
    try {
      await buildFirm(app.db);
      const p = await chatPeople(app.db);
      const collab = await signIn(app, p.collabA);
      const file = (await uploadChatFile(app, collab, p.a.id, await smallPng(), 'gone.png')).body.attachment;
      const sent = await collab.post(`/api/chat/${p.a.id}/messages`, { body: 'with a file', clientMessageId: cmid(), attachmentIds: [file.id] });
      expect(sent.status, sent.text).toBe(201);
      expect((await collab.delete(`/api/chat/messages/${sent.body.message.id}`)).status).toBe(200);
    } finally {
      await app.close();
    }
    const file = path.join(out, 'after-delete.tar');
    backUp(dir, file);
    const target = tempDir();
    cleanup.push(target);
    const r = runScript('restore', { DATA_DIR: target }, [file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);
});

describe('debrief restore FILE', () => {
  it('round trip: into an empty folder, a server signs the demo manager in and serves her avatar', async () => {
    const target = emptyDataDir();
    // The archive to restore may sit in DATA_DIR/backups (BACKUP_DIR), left aside like the runtime folder.
    mkdirSync(path.join(target, 'backups'));
    copyFileSync(archive, path.join(target, 'backups', 'debrief.tar'));
    const r = runScript('restore', { DATA_DIR: target }, [path.join(target, 'backups', 'debrief.tar')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Restored .*backups\/debrief\.tar \(Debrief .*\) into .*: the database and 1 upload\.$/m);
    expect(readFileSync(path.join(target, '.runtime', 'build-1', 'native.node'), 'utf8')).toBe('x'); // left in place
    const app = await startTestApp({ DATA_DIR: target, DATABASE_URL: '' });
    try {
      while (Math.floor(Date.now() / 30_000) <= carlaStep) await new Promise((r) => setTimeout(r, 500));
      const carla = await signInDemo(app, demo, 'carla@contoso.example');
      const got = await getBytes(app, carla, `/api/users/${carlaId}/avatar`);
      expect(got.status).toBe(200);
      expect(sha256(got.bytes)).toBe(sha256(avatar));
      expect(await findingsSeen(await signInDemo(app, demo, 'ada@northwind.example'))).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  }, 90_000);

  it('refuses a non-empty DATA_DIR: a database, uploads or a key there', () => {
    for (const [name, make] of [
      ['debrief.sqlite', (d: string) => writeFileSync(path.join(d, 'debrief.sqlite'), 'not empty')],
      [
        'uploads',
        (d: string) => (mkdirSync(path.join(d, 'uploads', 'avatars'), { recursive: true }), writeFileSync(path.join(d, 'uploads', 'avatars', 'a.webp'), 'x')),
      ],
      ['secret.key', (d: string) => writeFileSync(path.join(d, 'secret.key'), randomBytes(32))],
    ] as const) {
      const d = emptyDataDir();
      make(d);
      expect(refused(archive, d)).toBe(`DATA_DIR is not empty (it holds ${name}): restore only into an empty folder.`);
    }
  });

  it('refuses an archive with one flipped byte in the database', () => {
    const bytes = readFileSync(archive);
    const at = bytes.indexOf('SQLite format 3') + 8192 + 77;
    bytes[at] = bytes[at]! ^ 0x01;
    const file = path.join(out, 'flipped.tar');
    writeFileSync(file, bytes);
    expect(refused(file, emptyDataDir())).toBe('debrief.sqlite in the archive does not match its SHA-256 in the manifest: the archive is damaged.');
  });

  it('refuses a newer schema, naming both Debrief versions, its migration and this build’s last', async () => {
    const file = await variant('newer.tar', (dir) => {
      const db = new Database(path.join(dir, 'debrief.sqlite'));
      db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('2099-01-01T0000_from-the-future', new Date().toISOString());
      db.close();
      editManifest(dir, (m) => {
        m.members['debrief.sqlite'] = sha256(readFileSync(path.join(dir, 'debrief.sqlite')));
        m.debrief = '9.9.9';
      });
    });
    const last = Object.keys(migrations).at(-1)!;
    expect(refused(file, emptyDataDir())).toBe(
      `Cannot restore: the archive is from Debrief 9.9.9, whose data has migration 2099-01-01T0000_from-the-future; this is Debrief ${buildInfo().version}, which knows migrations up to ${last}. Restore it with Debrief 9.9.9 or newer.`,
    );
  });

  it('refuses a wrong SECRET_KEY: one that does not open the secrets, or not the fingerprinted one', async () => {
    const wrong = randomBytes(32).toString('hex');
    expect(refused(archive, emptyDataDir(), { SECRET_KEY: wrong })).toBe(
      "SECRET_KEY does not open the archive's stored secrets: it is not the key this data was encrypted with.",
    );
    // An archive made with SECRET_KEY set holds only the key's fingerprint.
    const right = randomBytes(32).toString('hex');
    const file = await variant('fingerprint.tar', (dir) => {
      unlinkSync(path.join(dir, 'secret.key'));
      editManifest(dir, (m) => {
        delete m.members['secret.key'];
        m.key = { kind: 'fingerprint', sha256: sha256(Buffer.from(right, 'hex')) };
      });
    });
    expect(refused(file, emptyDataDir(), { SECRET_KEY: wrong })).toBe('SECRET_KEY is not the key this backup was made with (its fingerprint differs).');
    expect(refused(file, emptyDataDir())).toBe(
      'The backup was made with SECRET_KEY set and holds only its fingerprint: set the same SECRET_KEY to restore it.',
    );
  });

  it('refuses an archive missing an upload its database references', async () => {
    const file = await variant('missing-upload.tar', (dir) => {
      editManifest(dir, (m) => {
        const upload = Object.keys(m.members).find((k) => k.startsWith('uploads/'))!;
        unlinkSync(path.join(dir, upload));
        delete m.members[upload];
      });
    });
    expect(refused(file, emptyDataDir())).toMatch(/^The archive lacks 1 upload its database references \(first: avatars\/[0-9a-f]{32}\.webp\)\.$/);
  });

  it('refuses a file that is not an archive', () => {
    const file = path.join(out, 'not-a-backup.tar');
    copyFileSync(path.join(data, 'secret.key'), file);
    expect(refused(file, emptyDataDir())).toMatch(/^(Cannot read .* as a backup archive|The archive has no readable manifest\.json)/);
  });
});
