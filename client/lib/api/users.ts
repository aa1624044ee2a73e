import type { InvitePortalUserInput, InviteStaffInput, MemberDTO, UpdatePortalUserInput, UpdateStaffInput } from '$contracts/users';
import { api } from './http';

type F = typeof fetch;
type One = { member: MemberDTO };
type Many = { members: MemberDTO[] };

/**
 * The operations on one set of accounts (the firm's staff, one client's portal users, or a
 * Manager's own client). Pages pass them to the shared members component, which never fetches.
 */
export interface MembersApi {
  list(f?: F): Promise<MemberDTO[]>;
  invite(input: InviteStaffInput | InvitePortalUserInput): Promise<MemberDTO>;
  update(id: string, input: UpdateStaffInput | UpdatePortalUserInput): Promise<MemberDTO>;
  remove(id: string): Promise<MemberDTO>;
  resend(id: string): Promise<MemberDTO>;
}

function membersAt(base: string): MembersApi {
  return {
    list: (f) => api<Many>('GET', base, undefined, f).then((r) => r.members),
    invite: (input) => api<One>('POST', base, input).then((r) => r.member),
    update: (id, input) => api<One>('PATCH', `${base}/${encodeURIComponent(id)}`, input).then((r) => r.member),
    remove: (id) => api<One>('POST', `${base}/${encodeURIComponent(id)}/remove`).then((r) => r.member),
    resend: (id) => api<One>('POST', `${base}/${encodeURIComponent(id)}/resend`).then((r) => r.member),
  };
}

/** The firm's staff accounts (admins only). */
export const staffMembers: MembersApi = membersAt('/staff');
/** One client's portal users, as staff manage them. */
export const clientMembers = (clientId: string): MembersApi => membersAt(`/clients/${encodeURIComponent(clientId)}/users`);
/** The signed-in Manager's own client's users (the server takes the client from the session). */
export const ownPortalMembers: MembersApi = membersAt('/portal/users');
