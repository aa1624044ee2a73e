import type { ClientRow } from '../../db/schema.js';
import type { ClientDTO } from '../contracts/clients.js';
import { allowlistOf } from '../auth/access.js';
import { isPortalOn, modulesOf } from '../policies/access.js';
import { visibleFieldsOf } from '../visibility/profile.js';

/** A client as staff see it, built field by field. */
export function presentClient(c: ClientRow, userCount: number): ClientDTO {
  return {
    id: c.id,
    name: c.name,
    portalEnabled: isPortalOn(c),
    archivedAt: c.archived_at,
    ipAllowlist: allowlistOf(c),
    sessionIdleMinutes: c.session_idle_minutes,
    sessionAbsoluteHours: c.session_absolute_hours,
    modules: modulesOf(c),
    visibleFields: visibleFieldsOf(c),
    passkeysOnly: c.passkeys_only === 1,
    userCount,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}
