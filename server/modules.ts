import type { ClientRow } from '../db/schema.js';
import { MODULES, type Module } from './contracts/workspace.js';
import { AppError } from './errors.js';

const LABELS: Record<Module, string> = { projects: 'Projects', findings: 'Findings', reports: 'Reports', chat: 'Chat', activity: 'Activity' };

/** The modules a client's users may open (every module on unless switched off). */
export function modulesOf(client: Pick<ClientRow, 'modules'>): Record<Module, boolean> {
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(client.modules) ?? {};
  } catch {
    /* a damaged setting falls back to the default */
  }
  return Object.fromEntries(MODULES.map((m) => [m, parsed[m] !== false])) as Record<Module, boolean>;
}

/**
 * Refuse a portal request into a module its client may not use: 403 `module_disabled` with a
 * message people understand. Staff are never limited by a client's modules.
 */
export function requireModule(viewerKind: 'staff' | 'portal', client: Pick<ClientRow, 'modules'>, module: Module): void {
  if (viewerKind === 'staff') return;
  if (!modulesOf(client)[module]) {
    throw new AppError(403, 'module_disabled', `The ${LABELS[module]} module is not enabled for your organisation. Contact your provider to turn it on.`, { module });
  }
}
