import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import { unexpectedRequires, unexpectedWarnings } from '../../scripts/package-traps.js';

/** The package build's lists (scripts/package-traps.ts): what may stay in the bundle, and nothing else. */
describe('the package build’s require and warning lists', () => {
  it('passes built-ins and the listed optional requires, and names any other', () => {
    const listed = 'require("node:fs"); require("path"); require("bufferutil"); require("pg-native"); require(`@img/sharp-${runtimePlatform}/versions`);';
    expect(unexpectedRequires(listed, builtinModules)).toEqual([]);
    expect(unexpectedRequires(`${listed} require("left-pad"); require(name);`, builtinModules)).toEqual(['require("left-pad")', 'require(name)']);
  });

  it('lets through an empty import.meta only in the files that guard it', () => {
    const warning = (file: string) => ({ id: 'empty-import-meta', text: '"import.meta" is not available', location: { file, line: 3 } }) as never;
    expect(unexpectedWarnings([warning('server/serve.ts'), warning('server/build-info.ts')], process.cwd())).toEqual([]);
    expect(unexpectedWarnings([warning('server/app.ts')], process.cwd())).toEqual(['server/app.ts:3: "import.meta" is not available']);
  });
});
