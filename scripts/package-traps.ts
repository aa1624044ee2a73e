import fs from 'node:fs';
import path from 'node:path';
import type { Message, Plugin } from 'esbuild';

/**
 * The traps of running the bundle as a single executable application, each worked around here and
 * each a loud build failure when its workaround stops applying (a package update that changes the
 * code a shim replaces fails the build instead of shipping a file that breaks at its first upload):
 *
 * - In a SEA, `require` loads built-ins only. better-sqlite3 (`bindings`), sharp (`require(path)`
 *   over a list of candidates) and @node-rs/argon2 (napi-rs's loader) require their `.node` files:
 *   their loaders are replaced by server/packaged.ts's `loadNative`, which dlopens the embedded copy.
 * - The natives load on first use, so `version` and `--help` never write to DATA_DIR: sharp's
 *   package calls its addon while it loads, so our own `import sharp from 'sharp'` goes through a
 *   lazy stand-in; argon2's exports become getters; better-sqlite3 needs its addon only in `new Database`.
 * - Any other `require` of a package left in the bundle (optional dependencies: ws's bufferutil,
 *   pg-native, sharp's version probes, Express's view engines) would print Node's "require() …
 *   only supports loading built-in modules" warning at each start. REQUIRE_GUARD (the bundle's
 *   first line) answers them as Node does for a missing module, silently; LEFT_REQUIRES lists the
 *   ones expected, and a new one fails the build.
 * - `import.meta.url` is empty in a CommonJS bundle: only the files listed in IMPORT_META_ALLOWED
 *   use it, each guarded for the package. Any other esbuild warning fails the build.
 */

const RUNTIME = path.resolve(import.meta.dirname, '..', 'server', 'packaged.ts');
const load = `require(${JSON.stringify(RUNTIME)}).loadNative`;

/** Files that read `import.meta` only outside the package (both guarded by `__DEBRIEF_BUILD__` / isPackaged). */
const IMPORT_META_ALLOWED = ['server/serve.ts', 'server/build-info.ts'];

function mustContain(file: string, text: string, needle: string): void {
  if (!text.includes(needle))
    throw new Error(`Package build: ${file} no longer contains ${JSON.stringify(needle)}; its loader changed, so the shim that replaces it must be checked`);
}

/** The package's loaders replaced; `shimmed` collects which ran, so a shim that matched no file fails the build. */
export function nativeShims(shimmed: Set<string>): Plugin {
  return {
    name: 'debrief-native-shims',
    setup(build) {
      build.onLoad({ filter: /[\\/]better-sqlite3[\\/]lib[\\/]database\.js$/ }, ({ path: file }) => {
        const text = fs.readFileSync(file, 'utf8');
        const call = "require('bindings')('better_sqlite3.node')";
        mustContain(file, text, call);
        shimmed.add('better-sqlite3');
        return { contents: text.replace(call, `${load}('better-sqlite3')`), loader: 'js' };
      });
      build.onLoad({ filter: /[\\/]sharp[\\/]lib[\\/]sharp\.js$/ }, ({ path: file }) => {
        const text = fs.readFileSync(file, 'utf8');
        mustContain(file, text, 'sharp = require(path);');
        mustContain(file, text, '`@img/sharp-${runtimePlatform}/sharp.node`');
        shimmed.add('sharp');
        return { contents: `module.exports = ${load}('sharp');\n`, loader: 'js' };
      });
      build.onLoad({ filter: /[\\/]@node-rs[\\/]argon2[\\/]index\.js$/ }, ({ path: file }) => {
        const text = fs.readFileSync(file, 'utf8');
        mustContain(file, text, 'nativeBinding = requireNative()');
        mustContain(file, text, "require('@node-rs/argon2-linux-x64-gnu')");
        const names = [...text.matchAll(/^module\.exports\.(\w+) = nativeBinding\.\1$/gm)].map((m) => m[1]!);
        if (!names.includes('hash') || !names.includes('verify'))
          throw new Error(`Package build: ${file} no longer exports hash and verify from nativeBinding`);
        shimmed.add('argon2');
        const getters = names.map((n) => `  get ${n}() { return ${load}('argon2').${n}; },`).join('\n');
        return { contents: `module.exports = {\n${getters}\n};\n`, loader: 'js' };
      });
      // Our `import sharp from 'sharp'`: a stand-in that loads sharp (and so its addon) on first call.
      build.onResolve({ filter: /^sharp$/ }, (args) =>
        args.namespace === 'debrief-lazy' || args.importer.includes(`${path.sep}node_modules${path.sep}`)
          ? undefined
          : { path: 'sharp', namespace: 'debrief-lazy' },
      );
      build.onLoad({ filter: /^sharp$/, namespace: 'debrief-lazy' }, () => {
        shimmed.add('sharp-lazy');
        return {
          resolveDir: path.dirname(RUNTIME),
          loader: 'js',
          contents: `let real;
const sharp = () => (real ??= require('sharp'));
module.exports = new Proxy(() => {}, {
  apply: (_t, self, args) => Reflect.apply(sharp(), self, args),
  get: (_t, key) => (key === '__esModule' ? undefined : sharp()[key]),
});
`,
        };
      });
    },
  };
}

export const EXPECTED_SHIMS = ['better-sqlite3', 'sharp', 'argon2', 'sharp-lazy'];

/** esbuild's warnings that are not on the list above, as lines (the build fails if there is any). */
export function unexpectedWarnings(warnings: Message[], root: string): string[] {
  return warnings
    .filter((w) => !(w.id === 'empty-import-meta' && w.location && IMPORT_META_ALLOWED.includes(path.relative(root, path.resolve(root, w.location.file)))))
    .map((w) => `${w.location ? `${w.location.file}:${w.location.line}: ` : ''}${w.text}`);
}

/**
 * The bundle's first line: `require` of a built-in goes to Node; of anything else, a plain
 * MODULE_NOT_FOUND (what the optional dependencies' try/catch expect), never Node's SEA warning.
 */
export const REQUIRE_GUARD = `var require = ((nodeRequire) => { const builtins = new Set(nodeRequire('node:module').builtinModules); return Object.assign((id) => { if (typeof id === 'string' && (id.startsWith('node:') || builtins.has(id))) return nodeRequire(id); const err = new Error("Cannot find module '" + id + "' (the packaged file holds built-in modules only)"); err.code = 'MODULE_NOT_FOUND'; throw err; }, nodeRequire); })(require);`;

/** The `require` calls of packages that stay in the bundle, each answered by REQUIRE_GUARD (matched on the call's argument). */
const LEFT_REQUIRES: RegExp[] = [
  /^"(bufferutil|utf-8-validate)"$/, // ws: optional speed-ups, pure JS without them
  /^"pg-native"$/, // pg: only with `native: true`, which we never ask for
  /^mod$/, // Express: view engines, which we have none of
  /^"@img\/sharp-(libvips-dev\/(cplusplus|include)|wasm32\/versions)"$/, // sharp: build-from-source and wasm probes
  /^`@img\/sharp-(libvips-(dev-)?)?\$\{[a-zA-Z]+(\(\))?\}/, // sharp: version probes per platform
];

/** The `require` calls left in the bundle that are neither of a built-in nor expected (the build fails if there is any). */
export function unexpectedRequires(bundle: string, builtins: readonly string[]): string[] {
  const builtin = new Set(builtins);
  const found = new Set<string>();
  for (const m of bundle.matchAll(/\brequire\(([^()]*(?:\([^()]*\)[^()]*)*)\)/g)) {
    const arg = m[1]!.trim();
    const literal = /^(["'])([^"'`]+)\1$/.exec(arg);
    if (literal && (literal[2]!.startsWith('node:') || builtin.has(literal[2]!))) continue;
    if (!LEFT_REQUIRES.some((re) => re.test(arg))) found.add(`require(${arg})`);
  }
  return [...found];
}
