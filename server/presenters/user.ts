import type { FirmRow, UserRow } from '../../db/schema.js';
import type { FirmDTO, SelfDTO } from '../contracts/api.js';

/** The signed-in user's own view of their account (never a hash or secret). */
export function presentSelf(u: Pick<UserRow, 'id' | 'kind' | 'role' | 'client_id' | 'email' | 'name'>): SelfDTO {
  return { id: u.id, kind: u.kind, role: u.role, clientId: u.client_id, email: u.email, name: u.name };
}

/** The firm as shown in the shell and the "Managed by" banner. */
export function presentFirm(f: FirmRow | undefined): FirmDTO {
  return { name: f?.name ?? 'Debrief', supportEmail: f?.support_email ?? null, supportPhone: f?.support_phone ?? null };
}
