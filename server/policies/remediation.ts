import type { UserRow } from '../../db/schema.js';
import type { ClientData } from './workspace.js';

/**
 * Rules for remediation and retests (one rule per action; index.ts joins them with the others).
 * A client's people read their own published findings' rounds and retest requests; only a
 * client Manager submits a fix or asks for a retest; only staff (admins and analysts) give
 * verdicts, see the firm-wide queue and move retest requests. Which status may follow which is
 * the transition table's business (server/remediation/transitions.ts), checked in the commands.
 */

export type RemediationAction =
  'remediation.read' | 'remediation.submit' | 'remediation.verdict' | 'remediation.queue' | 'retest.read' | 'retest.request' | 'retest.manage';

type Principal = Pick<UserRow, 'kind' | 'role' | 'client_id'>;
type Rule = (v: Principal, r: { type: string; clientId?: string } | ClientData | undefined) => boolean;

const isStaff = (v: Principal) => v.kind === 'staff' && (v.role === 'admin' || v.role === 'analyst');
const ownsData = (v: Principal, r: { type: string; clientId?: string } | undefined) =>
  v.kind === 'portal' && r?.type === 'clientData' && v.client_id !== null && r.clientId === v.client_id;
const ownManager = (v: Principal, r: { type: string; clientId?: string } | undefined) => ownsData(v, r) && v.role === 'manager';

export const remediationRules: Record<RemediationAction, Rule> = {
  'remediation.read': (v, r) => isStaff(v) || ownsData(v, r),
  'remediation.submit': (v, r) => ownManager(v, r),
  'remediation.verdict': (v) => isStaff(v),
  'remediation.queue': (v) => isStaff(v),
  'retest.read': (v, r) => isStaff(v) || ownsData(v, r),
  'retest.request': (v, r) => ownManager(v, r),
  'retest.manage': (v) => isStaff(v),
};
