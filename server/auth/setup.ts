import { decodeHex } from '@oslojs/encoding';
import type { Db } from '../../db/client.js';
import type { Config } from '../config.js';
import type { SetupGate } from '../context.js';
import type { Logger } from '../logger.js';
import { hashSecret, hashSecretHex, randomToken, secretMatches } from './tokens.js';
import { anyStaffExists } from '../repositories/users.js';
import { deleteSetupCode, findSetupCode, holdSetupCode, issueSetupCode } from '../repositories/setup-code.js';

/** Format a code in groups of five so a person can copy it from the log without slipping. */
const group = (s: string) => s.match(/.{1,5}/g)!.join('-');
/** Codes are compared as typed in any case, around spaces. */
const normal = (code: string) => code.trim().toLowerCase();

/** How long the issuing instance holds its code without renewing it; it renews it four times as often. */
const SETUP_CODE_HOLD_MS = 2 * 60_000;

/** What the setup gate is built from (a slice of the app's deps). */
export interface SetupGateDeps {
  db: Db;
  config: Config;
  logger: Logger;
  clock: () => number;
}

/**
 * First-run gate: while no staff account exists, one code opens setup, the same on every instance,
 * so only someone who can read a server's log (or set its environment) can claim a fresh server.
 * - SETUP_CODE set: that is the code (never logged); it is void once a staff account exists.
 * - Otherwise the first instance to start without a staff account generates a code (100 bits),
 *   stores only its hash (table setup_code, one row) and logs the code; instances that start
 *   while it holds the code log that it was issued elsewhere. The issuer renews its hold while it
 *   runs and lets go at shutdown, so a restarted instance (or one started after the issuer died
 *   and its hold of SETUP_CODE_HOLD_MS ran out) issues and logs a fresh code, which replaces the
 *   old one. Any instance checks a code against the stored hash; setup deletes it in the
 *   transaction that creates the first admin, so it is void everywhere at once.
 */
export async function createSetupGate(deps: SetupGateDeps): Promise<SetupGate> {
  const { db, logger } = deps;
  const given = deps.config.setupCode;
  const givenHash = given === undefined ? null : hashSecret(normal(given));
  let issued: string | null = null;
  let renewer: NodeJS.Timeout | null = null;
  const stopRenewing = () => {
    if (renewer) clearInterval(renewer);
    renewer = null;
  };

  if (!(await anyStaffExists(db))) {
    if (givenHash) logger.warn('First-run setup: open the portal and enter the setup code given in SETUP_CODE to create the first admin');
    else issued = await issue(deps);
  }
  if (issued) {
    const hash = issued;
    renewer = setInterval(() => {
      holdSetupCode(db, hash, deps.clock() + SETUP_CODE_HOLD_MS)
        .then((held) => held || stopRenewing())
        .catch((err: unknown) => logger.warn({ err }, 'could not renew the hold on the setup code'));
    }, SETUP_CODE_HOLD_MS / 4);
    renewer.unref();
  }

  return {
    async isOpen() {
      return !(await anyStaffExists(db));
    },
    async codeMatches(code) {
      if (givenHash) return secretMatches(normal(code), givenHash) && !(await anyStaffExists(db));
      const stored = await findSetupCode(db);
      return !!stored && secretMatches(normal(code), decodeHex(stored.code_hash));
    },
    async consume(trx, code) {
      if (givenHash) return secretMatches(normal(code), givenHash);
      return deleteSetupCode(trx, hashSecretHex(normal(code)));
    },
    async stop() {
      const wasRenewing = renewer !== null;
      stopRenewing();
      // Let go of a code still held: the next instance to start issues a fresh one at once. It
      // works until then (the hash stays), so a person who is using it is not cut off.
      if (issued && wasRenewing) await holdSetupCode(db, issued, 0).catch(() => false);
    },
  };
}

/**
 * Issue a code for the whole cluster unless another instance holds one: logs the code, or that
 * it was issued elsewhere. Returns the hash this instance holds, or null.
 */
async function issue(deps: SetupGateDeps): Promise<string | null> {
  const code = group(randomToken(13).slice(0, 20));
  const hash = hashSecretHex(code);
  const now = deps.clock();
  if (await issueSetupCode(deps.db, hash, now, now + SETUP_CODE_HOLD_MS)) {
    deps.logger.warn({ setupCode: code }, 'First-run setup: open the portal and enter this one-time setup code to create the first admin');
    return hash;
  }
  const held = await findSetupCode(deps.db);
  deps.logger.warn(
    { issuedAt: held && new Date(held.issued_at).toISOString(), heldUntil: held && new Date(held.held_until).toISOString() },
    'First-run setup: setup code already issued by another instance: see its log (if that instance is gone, restart after heldUntil for a new code, or set SETUP_CODE)',
  );
  return null;
}
