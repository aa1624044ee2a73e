import type { Db } from '../../db/client.js';
import type { SetupGate } from '../context.js';
import type { Logger } from '../logger.js';
import { hashSecret, randomToken, secretMatches } from './tokens.js';
import { countStaff } from '../repositories/users.js';

/** Format a code in groups of five so a person can copy it from the log without slipping. */
const group = (s: string) => s.match(/.{1,5}/g)!.join('-');

/**
 * First-run gate. While no staff account exists, a one-time code (100 bits) is generated and
 * printed to the log: only someone who can read the server's log can claim a fresh server.
 * The code lives only in memory (hashed); a restart prints a new one; setup voids it.
 */
export async function createSetupGate(db: Db, logger: Logger): Promise<SetupGate> {
  const staffCount = () => countStaff(db);
  let codeHash: Uint8Array | null = null;
  if ((await staffCount()) === 0) {
    const code = group(randomToken(13).slice(0, 20));
    codeHash = hashSecret(code);
    logger.warn({ setupCode: code }, 'First-run setup: open the portal and enter this one-time setup code to create the first admin');
  }
  return {
    async isOpen() {
      return codeHash !== null && (await staffCount()) === 0;
    },
    codeMatches(code) {
      return codeHash !== null && secretMatches(code.trim().toLowerCase(), codeHash);
    },
    close() {
      codeHash = null;
    },
  };
}
