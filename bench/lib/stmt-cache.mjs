// EXPERIMENT ONLY (`--experiment=stmt-cache`; never part of a reported run by default): preloaded
// into the server, it makes better-sqlite3 reuse a prepared statement for identical SQL text, to
// measure what a statement cache in db/client.ts would be worth. Kysely's SQLite driver prepares
// every query anew; statements run synchronously (all/run), so sharing one is safe.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const Database = require('better-sqlite3');
const prepare = Database.prototype.prepare;
const caches = new WeakMap();
Database.prototype.prepare = function (source) {
  let cache = caches.get(this);
  if (!cache) caches.set(this, (cache = new Map()));
  let stmt = cache.get(source);
  if (!stmt) {
    stmt = prepare.call(this, source);
    if (cache.size > 1000) cache.clear();
    cache.set(source, stmt);
  }
  return stmt;
};
