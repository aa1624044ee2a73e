import { describe, expect, it } from 'vitest';
import { takeResetQuota } from '../../server/auth/password-reset.js';
import { appOn, DATABASES } from '../support/app.js';
import { interleave as interleaveOn, type Trx } from '../support/interleave.js';

/**
 * Account and directory steps that read, then write what they read (issue 13, point 7;
 * docs/transactions.md, "Unsafe or doubtful"). Each test runs the step in two transactions, the
 * first held open right after its check-and-write while the second runs
 * (tests/support/interleave.ts): on SQLite the second waits for the first, on PostgreSQL it runs
 * against the first's uncommitted write and must see it or lose cleanly. Each was seen failing on
 * PostgreSQL before its fix.
 */
describe.each(DATABASES)('accounts, two at once on %s', (name) => {
  const on = appOn(name);
  /** Two transactions on this database, the first held open while the second runs. */
  const interleave = <A, B>(first: (trx: Trx) => Promise<A>, second: (trx: Trx) => Promise<B>) => interleaveOn(on.app.db, first, second);

  it('two reset requests at once for an address with one mail left send one mail; the other waits', async () => {
    const email = `quota-${name.toLowerCase()}@x.test`;
    const now = on.app.clock();
    expect(await takeResetQuota(on.app.db, email, now)).toBe(0);
    expect(await takeResetQuota(on.app.db, email, now + 1)).toBe(0);
    const take = (trx: Trx) => takeResetQuota(trx, email, now + 2);
    const [first, second] = await interleave(take, take);
    expect(first).toBe(0);
    expect(second.status).toBe('fulfilled');
    expect((second as PromiseFulfilledResult<number>).value).toBeGreaterThan(0);
  });
});
