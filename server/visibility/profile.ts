import type { ClientRow } from '../../db/schema.js';
import type { Viewer } from '../auth/session.js';
import { switchOn } from '../policies/access.js';
import { HIDE_KEYS, VISIBILITY, type Entity, type HideKey } from './fields.js';

/** Who a payload is for: staff see every listed field; a portal profile carries its client's hidden fields. */
export type VisibilityProfile =
  { readonly audience: 'staff' } | { readonly audience: 'portal'; readonly clientId: string; readonly hidden: ReadonlySet<HideKey> };

export const STAFF_PROFILE: VisibilityProfile & { audience: 'staff' } = Object.freeze({ audience: 'staff' as const });

/** The client's visible-field settings (every field visible unless switched off). */
export function visibleFieldsOf(client: Pick<ClientRow, 'visible_fields'>): Record<HideKey, boolean> {
  // A damaged setting hides nothing extra (read as `policies/access.ts` reads every switch map).
  return Object.fromEntries(HIDE_KEYS.map((k) => [k, switchOn(client.visible_fields, k)])) as Record<HideKey, boolean>;
}

/** The profile for a portal audience of one client, as its settings are right now. */
export function portalProfile(client: Pick<ClientRow, 'id' | 'visible_fields'>): VisibilityProfile {
  const visible = visibleFieldsOf(client);
  return Object.freeze({ audience: 'portal', clientId: client.id, hidden: new Set(HIDE_KEYS.filter((k) => !visible[k])) });
}

/** The profile of a viewer: staff, or portal with their client's settings (read per request, so a change applies at once). */
export function resolveProfile(viewer: Viewer, client: Pick<ClientRow, 'id' | 'visible_fields'> | undefined): VisibilityProfile {
  if (viewer.user.kind === 'staff') return STAFF_PROFILE;
  if (!client || client.id !== viewer.user.client_id) throw new Error('portal profile needs the viewer’s own client');
  return portalProfile(client);
}

/** Whether a field of an entity may be sent to this profile. */
export function mayShow(entity: Entity, field: string, profile: VisibilityProfile): boolean {
  const table = VISIBILITY[entity] as Record<string, { portal: boolean; hiddenBy?: HideKey }>;
  // Own keys only: a name inherited from Object.prototype ('constructor', 'toString') is no rule.
  if (!Object.hasOwn(table, field)) return false;
  const rule = table[field]!;
  if (profile.audience === 'staff') return true;
  return rule.portal && !(rule.hiddenBy && profile.hidden.has(rule.hiddenBy));
}

/**
 * Build a payload field by field from the table: only listed fields the profile may see are
 * computed and copied; anything else the presenter offers is dropped.
 */
export function pick<T extends object>(entity: Entity, profile: VisibilityProfile, values: Fields<T>): T {
  const out: Record<string, unknown> = {};
  const offered = values as Record<string, (() => unknown) | undefined>;
  for (const field of fieldsFor(entity, profile)) {
    const get = offered[field];
    if (get) out[field] = get();
  }
  return out as T;
}

/**
 * The fields of an entity a profile may receive, in the table's order: worked out once per
 * profile and entity (a list presents hundreds of rows, a catch-up a thousand events, for one
 * profile), from `mayShow` alone. A profile is frozen and made anew for each request.
 */
const allowed = new WeakMap<VisibilityProfile, Map<Entity, readonly string[]>>();
function fieldsFor(entity: Entity, profile: VisibilityProfile): readonly string[] {
  let byEntity = allowed.get(profile);
  if (!byEntity) allowed.set(profile, (byEntity = new Map()));
  let fields = byEntity.get(entity);
  if (!fields) byEntity.set(entity, (fields = Object.keys(VISIBILITY[entity]).filter((field) => mayShow(entity, field, profile))));
  return fields;
}

/**
 * What a presenter hands `pick`: one getter for every field of the DTO `T` (optional ones too) —
 * a missing field fails to compile, and so does an extra one (an object literal's excess property).
 * Which of them leave the server is the table's decision, at run time, per profile.
 */
export type Fields<T> = { [K in keyof T]-?: () => T[K] };
