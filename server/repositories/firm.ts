import { analystsSeeAll } from '../policies/access.js';
import type { Kysely, Updateable } from 'kysely';
import type { Database, FirmRow, FirmTable } from '../../db/schema.js';

/**
 * The firm's one row (id 1): its name, and its security settings (Settings → Security), which are
 * read and written here only. Who a setting lets see which client is `policies/access.ts`'s rule.
 */

type Db = Kysely<Database>;

/** The firm, or undefined before setup. */
export function findFirm(db: Db): Promise<FirmRow | undefined> {
  return db.selectFrom('firm').selectAll().executeTakeFirst();
}

/** The firm's name, or undefined before setup. */
export async function findFirmName(db: Db): Promise<string | undefined> {
  return (await db.selectFrom('firm').select('name').executeTakeFirst())?.name;
}

/**
 * Create the firm at first-run setup (or rename a firm row left without staff). A new firm requires
 * staff MFA (issue 18): only the row created here gets it; an existing row keeps its setting.
 */
export async function upsertFirm(db: Db, name: string, now: number): Promise<void> {
  await db
    .insertInto('firm')
    .values({ id: 1, name, mfa_required_for_staff: 1, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ name, updated_at: now }))
    .execute();
}

/** The firm's security settings; null timeouts fall back to the configured defaults. */
export interface FirmSecurity {
  mfaRequiredForStaff: boolean;
  analystsSeeAllClients: boolean;
  sessionIdleMinutes: number | null;
  sessionAbsoluteHours: number | null;
  passwordlessSignIn: boolean;
  staffPasskeysOnly: boolean;
}

/** The security settings (before setup: no MFA requirement, analysts see every client, default timeouts). */
export async function findSecuritySettings(db: Db): Promise<FirmSecurity> {
  const firm = await findFirm(db);
  return {
    mfaRequiredForStaff: !!firm?.mfa_required_for_staff,
    analystsSeeAllClients: analystsSeeAll(firm),
    sessionIdleMinutes: firm?.session_idle_minutes ?? null,
    sessionAbsoluteHours: firm?.session_absolute_hours ?? null,
    passwordlessSignIn: firm?.passwordless_sign_in === 1,
    staffPasskeysOnly: firm?.staff_passkeys_only === 1,
  };
}

/** Change the settings given (the others stay). False when there is no firm row to change. */
export async function updateSecuritySettings(db: Db, patch: Partial<FirmSecurity>, now: number): Promise<boolean> {
  const set: Updateable<FirmTable> = { updated_at: now };
  if (patch.mfaRequiredForStaff !== undefined) set.mfa_required_for_staff = patch.mfaRequiredForStaff ? 1 : 0;
  if (patch.analystsSeeAllClients !== undefined) set.analysts_see_all_clients = patch.analystsSeeAllClients ? 1 : 0;
  if (patch.sessionIdleMinutes !== undefined) set.session_idle_minutes = patch.sessionIdleMinutes;
  if (patch.sessionAbsoluteHours !== undefined) set.session_absolute_hours = patch.sessionAbsoluteHours;
  if (patch.passwordlessSignIn !== undefined) set.passwordless_sign_in = patch.passwordlessSignIn ? 1 : 0;
  if (patch.staffPasskeysOnly !== undefined) set.staff_passkeys_only = patch.staffPasskeysOnly ? 1 : 0;
  const updated = await db.updateTable('firm').set(set).where('id', '=', 1).executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}
