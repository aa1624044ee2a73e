import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../db/client.js';
import { migrateToLatest } from '../../db/migrate.js';
import { tempDir } from '../support/app.js';
import { throttleFailure, throttleReset, throttleWait, tokenBucket } from '../../server/auth/rate-limit.js';

/**
 * The two rate limiters of server/auth/rate-limit.ts, exactly:
 * - the in-memory token bucket (per address): `capacity` at once, refilled at `perSecond`, never
 *   above `capacity`, and the wait it names is the time until enough tokens are back;
 * - the per-account back-off in `auth_throttle`: four free failures, then 30 s, 1 min, 2 min,
 *   4 min, capped at 5 min; a success forgets it; keys never affect each other.
 */

describe('tokenBucket', () => {
  const clockAt = () => {
    let t = 1_000_000;
    const clock = () => t;
    return { clock, advance: (ms: number) => (t += ms) };
  };

  it('lets capacity requests through at once and refuses the next, naming the seconds until one token is back', () => {
    const c = clockAt();
    const b = tokenBucket(3, 0.5, c.clock);
    expect([b.take('ip'), b.take('ip'), b.take('ip')]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(b.take('ip')).toEqual({ ok: false, retryAfterSeconds: 2 }); // 1 token at 0.5/s
    c.advance(1000); // half a token back
    expect(b.take('ip')).toEqual({ ok: false, retryAfterSeconds: 1 });
    c.advance(1000); // one whole token
    expect(b.take('ip')).toEqual({ ok: true });
    expect(b.take('ip')).toEqual({ ok: false, retryAfterSeconds: 2 });
    // Another key has its own bucket.
    expect(b.take('other')).toEqual({ ok: true });
  });

  it('takes a cost of several tokens, and refuses only when fewer than that are left', () => {
    const c = clockAt();
    const b = tokenBucket(10, 1, c.clock);
    expect(b.take('k', 4)).toEqual({ ok: true });
    expect(b.take('k', 6)).toEqual({ ok: true }); // exactly the 6 left
    expect(b.take('k', 3)).toEqual({ ok: false, retryAfterSeconds: 3 });
    c.advance(2500);
    expect(b.take('k', 3)).toEqual({ ok: false, retryAfterSeconds: 1 }); // 2.5 back, 0.5 missing
    c.advance(500);
    expect(b.take('k', 3)).toEqual({ ok: true });
    // A refused take spends nothing.
    expect(b.take('k', 1)).toEqual({ ok: false, retryAfterSeconds: 1 });
    c.advance(1000);
    expect(b.take('k', 1)).toEqual({ ok: true });
  });

  it('never refills above capacity, however long the key was idle', () => {
    const c = clockAt();
    const b = tokenBucket(2, 1, c.clock);
    b.take('k');
    c.advance(3_600_000);
    expect([b.take('k'), b.take('k')]).toEqual([{ ok: true }, { ok: true }]);
    expect(b.take('k').ok).toBe(false);
  });

  it('when it holds over 50,000 keys it forgets only full buckets: a spent one stays spent', () => {
    const c = clockAt();
    const b = tokenBucket(2, 0.001, c.clock);
    expect(b.take('victim', 2)).toEqual({ ok: true });
    for (let i = 0; i < 50_001; i++) b.take(`k${i}`);
    b.take('trigger'); // the map is over 50,000: the sweep runs
    expect(b.take('victim').ok).toBe(false);
    expect(b.take('k1')).toEqual({ ok: true }); // one token left of two, kept
    expect(b.take('k1').ok).toBe(false);
  });
});

describe('per-account back-off (auth_throttle)', () => {
  let db: Db;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir();
    db = openDatabase(path.join(dir, 'rate.sqlite')).db;
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const T = 1_700_000_000_000;

  it('allows four failures freely, then waits 30 s, 60 s, 120 s, 240 s and at most 300 s', async () => {
    const key = 'login:backoff@x.test';
    for (let i = 0; i < 4; i++) {
      await throttleFailure(db, key, T);
      expect(await throttleWait(db, key, T)).toBe(0);
    }
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      await throttleFailure(db, key, T);
      waits.push(await throttleWait(db, key, T));
    }
    expect(waits).toEqual([30, 60, 120, 240, 300, 300, 300]);
    const row = await db.selectFrom('auth_throttle').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ failures: 11, blocked_until: T + 300_000, updated_at: T });
  });

  it('counts down to the second (rounded up) and is over at the moment the block ends', async () => {
    const key = 'totp:countdown';
    for (let i = 0; i < 5; i++) await throttleFailure(db, key, T);
    expect(await throttleWait(db, key, T + 1)).toBe(30);
    expect(await throttleWait(db, key, T + 29_001)).toBe(1);
    expect(await throttleWait(db, key, T + 29_999)).toBe(1);
    expect(await throttleWait(db, key, T + 30_000)).toBe(0);
    expect(await throttleWait(db, key, T + 31_000)).toBe(0);
    expect(await throttleWait(db, 'never:seen', T)).toBe(0);
  });

  it('keeps keys apart, and a reset forgets only its own key', async () => {
    const a = 'login:a@x.test';
    const b = 'login:b@x.test';
    for (let i = 0; i < 5; i++) await throttleFailure(db, a, T);
    for (let i = 0; i < 5; i++) await throttleFailure(db, b, T);
    await throttleFailure(db, 'login:c@x.test', T);
    expect(await throttleWait(db, a, T)).toBe(30);
    await throttleReset(db, a);
    expect(await throttleWait(db, a, T)).toBe(0);
    expect(await throttleWait(db, b, T)).toBe(30);
    expect(await db.selectFrom('auth_throttle').select('failures').where('key', '=', 'login:c@x.test').executeTakeFirstOrThrow()).toEqual({ failures: 1 });
    // After the reset the count starts again: four more are free.
    for (let i = 0; i < 4; i++) await throttleFailure(db, a, T);
    expect(await throttleWait(db, a, T)).toBe(0);
    await throttleFailure(db, a, T);
    expect(await throttleWait(db, a, T)).toBe(30);
  });

  it('a later failure moves the block from its own moment', async () => {
    const key = 'login:later@x.test';
    for (let i = 0; i < 5; i++) await throttleFailure(db, key, T);
    await throttleFailure(db, key, T + 100_000);
    expect(await throttleWait(db, key, T + 100_000)).toBe(60);
    const row = await db.selectFrom('auth_throttle').selectAll().where('key', '=', key).executeTakeFirstOrThrow();
    expect(row.updated_at).toBe(T + 100_000);
  });
});
