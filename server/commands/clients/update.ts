import type { Kysely } from 'kysely';
import type { ClientRow, Database } from '../../../db/schema.js';
import type { AuditContext } from '../../audit.js';
import type { AppDeps } from '../../context.js';
import type { ClientDTO, UpdateClientInput } from '../../contracts/clients.js';
import type { ClientUpdate } from './end-sessions-outside-allowlist.js';
import { writeAudit } from '../../audit.js';
import { allowlistOf } from '../../auth/access.js';
import { invalidCidrs } from '../../auth/ip-allowlist.js';
import { endClientSessions } from '../../auth/revoke.js';
import { conflict, notFound, validationFailed } from '../../errors.js';
import { findClient } from '../../repositories/clients.js';
import { recheckSessions } from '../../repositories/sessions.js';
import { lockRow } from '../../../db/dialect.js';
import { auditFor, type CommandContext } from '../../context.js';
import { getClient, readableClient } from '../../queries/clients/read.js';
import { endSessionsOutsideAllowlist } from './end-sessions-outside-allowlist.js';
import { isArchived, modulesOf } from '../../policies/access.js';
import { visibleFieldsOf } from '../../visibility/profile.js';
import { MODULES } from '../../contracts/workspace.js';
import { requireConfirmation } from '../../confirmation.js';
import { clientSessionsEndConsequence, moduleLockConsequence, portalOffConsequence, type DefaultTimeouts } from '../../queries/consequences.js';

/** The stored settings with the changed keys merged in, or undefined when nothing changes. */
function merged<K extends string>(current: Record<K, boolean>, patch: Partial<Record<K, boolean>> | undefined): Record<K, boolean> | undefined {
  if (!patch) return undefined;
  const next = { ...current, ...patch };
  return (Object.keys(next) as K[]).some((k) => next[k] !== current[k]) ? next : undefined;
}

const ARCHIVED = 'This client is archived; its settings can no longer change.';

/** Every bad entry is named, so the person can fix them all at once. */
function checkAllowlist(list: string[]): string[] {
  const bad = invalidCidrs(list);
  if (bad.length) {
    const message = `Not valid IP ranges: ${bad.join(', ')}. Use an address or CIDR range such as 203.0.113.0/24 or 2001:db8::/32.`;
    throw validationFailed(`ipAllowlist: ${message}`, [{ path: 'ipAllowlist', message, invalid: bad }]);
  }
  return [...new Set(list)];
}

/** What an update changes on the stored client: the columns to write and what the audit row says. */
function changesTo(
  before: ClientRow,
  input: UpdateClientInput,
  allowlist: string[] | undefined,
): { set: ClientUpdate; changed: Record<string, unknown>; was: Record<string, unknown> } {
  const set: ClientUpdate = {};
  const changed: Record<string, unknown> = {};
  const was: Record<string, unknown> = {};
  if (input.name !== undefined && input.name !== before.name) {
    set.name = input.name;
    [changed.name, was.name] = [input.name, before.name];
  }
  if (input.portalEnabled !== undefined && (input.portalEnabled ? 1 : 0) !== before.portal_enabled) {
    set.portal_enabled = input.portalEnabled ? 1 : 0;
    [changed.portalEnabled, was.portalEnabled] = [input.portalEnabled, before.portal_enabled === 1];
  }
  if (allowlist !== undefined && JSON.stringify(allowlist) !== JSON.stringify(allowlistOf(before))) {
    set.ip_allowlist = JSON.stringify(allowlist);
    [changed.ipAllowlist, was.ipAllowlist] = [allowlist, allowlistOf(before)];
  }
  if (input.sessionIdleMinutes !== undefined && input.sessionIdleMinutes !== before.session_idle_minutes) {
    set.session_idle_minutes = input.sessionIdleMinutes;
    [changed.sessionIdleMinutes, was.sessionIdleMinutes] = [input.sessionIdleMinutes, before.session_idle_minutes];
  }
  if (input.sessionAbsoluteHours !== undefined && input.sessionAbsoluteHours !== before.session_absolute_hours) {
    set.session_absolute_hours = input.sessionAbsoluteHours;
    [changed.sessionAbsoluteHours, was.sessionAbsoluteHours] = [input.sessionAbsoluteHours, before.session_absolute_hours];
  }
  if (input.passkeysOnly !== undefined && (input.passkeysOnly ? 1 : 0) !== before.passkeys_only) {
    set.passkeys_only = input.passkeysOnly ? 1 : 0;
    [changed.passkeysOnly, was.passkeysOnly] = [input.passkeysOnly, before.passkeys_only === 1];
  }
  // Read per request by modulesOf/visibleFieldsOf (nothing is cached): the next request sees the change.
  const modules = merged(modulesOf(before), input.modules);
  if (modules) {
    set.modules = JSON.stringify(modules);
    [changed.modules, was.modules] = [modules, modulesOf(before)];
  }
  const visibleFields = merged(visibleFieldsOf(before), input.visibleFields);
  if (visibleFields) {
    set.visible_fields = JSON.stringify(visibleFields);
    [changed.visibleFields, was.visibleFields] = [visibleFields, visibleFieldsOf(before)];
  }
  return { set, changed, was };
}

/**
 * Refuse (409 `confirmation_required`, rolling the caller's transaction back) unless the request
 * confirmed what the change does to people: the portal turned off, live sessions ended by a new
 * allowlist or shorter timeouts, modules locked. Read in the transaction, after the row's lock.
 */
async function confirmConsequences(
  trx: Kysely<Database>,
  before: ClientRow,
  set: ClientUpdate,
  confirmed: boolean | undefined,
  defaults: DefaultTimeouts,
  now: number,
) {
  const client = { id: before.id, name: set.name ?? before.name };
  const off = set.portal_enabled === 0;
  const lockedModules = set.modules === undefined ? [] : MODULES.filter((m) => modulesOf(before)[m] && !modulesOf({ modules: set.modules as string })[m]);
  const timeouts = {
    idleMinutes: set.session_idle_minutes === undefined ? before.session_idle_minutes : set.session_idle_minutes,
    absoluteHours: set.session_absolute_hours === undefined ? before.session_absolute_hours : set.session_absolute_hours,
  };
  const allowlist = set.ip_allowlist === undefined ? undefined : (JSON.parse(set.ip_allowlist as string) as string[]);
  const sessionsChange = allowlist !== undefined || set.session_idle_minutes !== undefined || set.session_absolute_hours !== undefined;
  requireConfirmation(confirmed, [
    off ? await portalOffConsequence(trx, client, defaults, now) : null,
    // Signed out by the portal switch already: the allowlist and timeouts are not asked about twice.
    !off && sessionsChange ? await clientSessionsEndConsequence(trx, { ...client, allowlist, timeouts }, defaults, now) : null,
    off ? null : await moduleLockConsequence(trx, client, lockedModules),
  ]);
}

/**
 * Apply an update to the client as it is now, inside the caller's transaction, and audit it;
 * returns the columns written (empty: nothing changed). The row is locked before it is read:
 * `modules` and `visible_fields` are written whole, merged from what was read, so two admins
 * changing different switches at once must merge one after the other (else the second puts back
 * what the first switched off), and an archive committed meanwhile is seen.
 */
export async function saveClientChanges(
  trx: Kysely<Database>,
  audit: AuditContext,
  clientId: string,
  input: UpdateClientInput,
  allowlist: string[] | undefined,
  now: number,
  defaults: DefaultTimeouts,
): Promise<ClientUpdate> {
  await lockRow(trx, 'clients', clientId);
  const before = await findClient(trx, clientId);
  if (!before) throw notFound();
  if (isArchived(before)) throw conflict(ARCHIVED);
  const { set, changed, was } = changesTo(before, input, allowlist);
  if (Object.keys(changed).length === 0) return set;
  await confirmConsequences(trx, before, set, input.confirm, defaults, now);
  await trx
    .updateTable('clients')
    .set({ ...set, updated_at: now })
    .where('id', '=', clientId)
    .execute();
  // New timeouts: the sweep judges this client's sessions by them at its next run.
  if (set.session_idle_minutes !== undefined || set.session_absolute_hours !== undefined) await recheckSessions(trx, clientId);
  await writeAudit(
    trx,
    audit,
    { action: 'client.updated', outcome: 'success', targetType: 'client', targetId: clientId, details: { before: was, after: changed } },
    now,
  );
  return set;
}

/** The server's configured timeouts (where neither the client nor the firm sets one). */
const timeoutDefaults = (deps: AppDeps): DefaultTimeouts => ({ idleMs: deps.config.sessionIdleMs, absoluteMs: deps.config.sessionAbsoluteMs });

/**
 * Change a client's name, portal security settings, portal modules or visible finding fields.
 * Switching the portal off signs every portal user of the client out at once; a new allowlist
 * ends the sessions it no longer allows.
 * Shorter timeouts apply to existing sessions on their next request (the validator reads them).
 * New visible fields or modules reach the client's open pages at once (`portal:reconfigured`).
 * A change that signs people out, ends live sessions or locks a module needs `confirm: true`.
 */
export async function updateClient(deps: AppDeps, ctx: CommandContext, clientId: string, input: UpdateClientInput): Promise<ClientDTO> {
  const before = await readableClient(deps, ctx, clientId, 'client.manage');
  if (isArchived(before)) throw conflict(ARCHIVED);
  const allowlist = input.ipAllowlist === undefined ? undefined : checkAllowlist(input.ipAllowlist);
  const now = deps.clock();
  const set = await deps.db
    .transaction()
    .execute((trx) => saveClientChanges(trx, auditFor(ctx, clientId), clientId, input, allowlist, now, timeoutDefaults(deps)));
  if (Object.keys(set).length === 0) return getClient(deps, ctx, clientId);

  if (set.portal_enabled === 0) await endClientSessions(deps, clientId, 'portal_disabled');
  else if (set.ip_allowlist !== undefined) await endSessionsOutsideAllowlist(deps, clientId, allowlist!);
  // Sessions are judged by the address they signed in from; open sockets by their own address and rooms.
  deps.bus.publish('access.changed', { clientId });
  // Open portal pages show the new fields and padlocks within a second (they refetch; the push has no data).
  if (set.modules !== undefined || set.visible_fields !== undefined) deps.bus.publish('portal.reconfigured', { clientId });
  return getClient(deps, ctx, clientId);
}
