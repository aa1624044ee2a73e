import { COMMENTS_MATRIX } from './comments.js';
import { CHAT_MATRIX } from './chat.js';
import { NOTIFICATIONS_MATRIX } from './notifications.js';
import { REMEDIATION_MATRIX } from './remediation.js';
import { AUDIT_MATRIX } from './audit.js';
import { MESSAGES_MATRIX } from './messages.js';
import { BRANDING_MATRIX } from './branding.js';
import { SESSION_MATRIX } from './session.js';
import { USERS_MATRIX } from './users.js';
import { HOME_MATRIX } from './home.js';
import { MATRIX as CORE_MATRIX, urlOf } from '../authorization-matrix.data.js';
import type { Ctx, MatrixEntry, Owner } from './shapes.js';
import type { World } from '../../support/matrix-fixtures.js';

/** The core table and each feature's table. */
export const MATRIX: MatrixEntry[] = [
  ...CORE_MATRIX,
  ...COMMENTS_MATRIX,
  ...CHAT_MATRIX,
  ...NOTIFICATIONS_MATRIX,
  ...REMEDIATION_MATRIX,
  ...AUDIT_MATRIX,
  ...MESSAGES_MATRIX,
  ...BRANDING_MATRIX,
  ...SESSION_MATRIX,
  ...USERS_MATRIX,
  ...HOME_MATRIX,
];

/** Whether an entry's request names the owner's things: its URL or body differs between A and B, or it makes rows for the owner. */
export function namesOwner(entry: MatrixEntry, f: World): boolean {
  if (entry.setup) return true;
  const at = (owner: Owner): string => {
    const c: Ctx = { f, owner, actor: f.staff.analyst, extra: {} };
    return `${urlOf(entry, c)} ${JSON.stringify(entry.body?.(c) ?? null)}`;
  };
  return at('A') !== at('B');
}
