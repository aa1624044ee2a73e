import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeShims } from '../../scripts/package-traps.js';

/**
 * The package build's shims fail the build, loudly, when a package's loader no longer looks as
 * expected (a sharp or argon2 update), instead of shipping a file that breaks at its first upload.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'debrief-shims-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fakePackage(file: string, text: string): string {
  const full = path.join(dir, 'node_modules', file);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, text);
  return full;
}

const bundle = (entry: string, shimmed = new Set<string>()) =>
  build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'silent', plugins: [nativeShims(shimmed)] });

describe('the native loaders’ shims', () => {
  it('replace the loader they recognise', async () => {
    const shimmed = new Set<string>();
    const entry = fakePackage('better-sqlite3/lib/database.js', "module.exports = () => require('bindings')('better_sqlite3.node');\n");
    const out = await bundle(entry, shimmed);
    expect(out.outputFiles[0]!.text).toContain('.loadNative("better-sqlite3")');
    expect(out.outputFiles[0]!.text).not.toContain('bindings');
    expect(shimmed).toEqual(new Set(['better-sqlite3']));
  });

  it('fail the build when sharp loads its addon another way', async () => {
    const entry = fakePackage('sharp/lib/sharp.js', "module.exports = require('@img/sharp-linux-x64/sharp.node');\n");
    await expect(bundle(entry)).rejects.toThrow(/sharp\.js no longer contains "sharp = require\(path\);"/);
  });

  it('fail the build when argon2 no longer exports hash and verify from its binding', async () => {
    const entry = fakePackage(
      '@node-rs/argon2/index.js',
      "nativeBinding = requireNative()\nrequire('@node-rs/argon2-linux-x64-gnu')\nmodule.exports.hashV2 = nativeBinding.hashV2\n",
    );
    await expect(bundle(entry)).rejects.toThrow(/no longer exports hash and verify/);
  });
});
