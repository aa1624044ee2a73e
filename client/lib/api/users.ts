import type { MailDelivery, MemberDTO } from '$contracts/users';
import { call, type BodyOf } from './http';

type F = typeof fetch;

/**
 * The operations on one set of accounts (the firm's staff, one client's portal users, or a
 * Manager's own client). Pages pass them to the shared members component, which never fetches.
 */
interface MembersApi<Invite, Update> {
  list(f?: F): Promise<MemberDTO[]>;
  /** Where the invitation mail went: the toast says so. */
  invite(input: Invite): Promise<MailDelivery>;
  update(id: string, input: Update): Promise<MemberDTO>;
  remove(id: string): Promise<MemberDTO>;
  /** Resend a pending invitation, or invite a removed person again. */
  resend(id: string): Promise<MailDelivery>;
  /** A new address: confirmed by a link to it (active), or a new invitation (invited). */
  changeEmail(id: string, email: string): Promise<MailDelivery>;
}

type StaffApi = MembersApi<BodyOf<'POST /staff'>, BodyOf<'PATCH /staff/:userId'>>;
type PortalApi = MembersApi<BodyOf<'POST /portal/users'>, BodyOf<'PATCH /portal/users/:userId'>>;
const member = (r: { member: MemberDTO }) => r.member;
const delivery = (r: { delivery: MailDelivery }) => r.delivery;

/** The firm's staff accounts (admins only). */
export const staffMembers: StaffApi = {
  list: (fetch) => call('GET /staff', { fetch }).then((r) => r.members),
  invite: (body) => call('POST /staff', { body }).then(delivery),
  update: (userId, body) => call('PATCH /staff/:userId', { params: { userId }, body }).then(member),
  remove: (userId) => call('POST /staff/:userId/remove', { params: { userId } }).then(member),
  resend: (userId) => call('POST /staff/:userId/resend', { params: { userId } }).then(delivery),
  changeEmail: (userId, email) => call('POST /staff/:userId/email', { params: { userId }, body: { email } }).then(delivery),
};

/** One client's portal users, as staff manage them. */
export const clientMembers = (clientId: string): PortalApi => ({
  list: (fetch) => call('GET /clients/:clientId/users', { params: { clientId }, fetch }).then((r) => r.members),
  invite: (body) => call('POST /clients/:clientId/users', { params: { clientId }, body }).then(delivery),
  update: (userId, body) => call('PATCH /clients/:clientId/users/:userId', { params: { clientId, userId }, body }).then(member),
  remove: (userId) => call('POST /clients/:clientId/users/:userId/remove', { params: { clientId, userId } }).then(member),
  resend: (userId) => call('POST /clients/:clientId/users/:userId/resend', { params: { clientId, userId } }).then(delivery),
  changeEmail: (userId, email) => call('POST /clients/:clientId/users/:userId/email', { params: { clientId, userId }, body: { email } }).then(delivery),
});

/** The signed-in Manager's own client's users (the server takes the client from the session). */
export const ownPortalMembers: PortalApi = {
  list: (fetch) => call('GET /portal/users', { fetch }).then((r) => r.members),
  invite: (body) => call('POST /portal/users', { body }).then(delivery),
  update: (userId, body) => call('PATCH /portal/users/:userId', { params: { userId }, body }).then(member),
  remove: (userId) => call('POST /portal/users/:userId/remove', { params: { userId } }).then(member),
  resend: (userId) => call('POST /portal/users/:userId/resend', { params: { userId } }).then(delivery),
  changeEmail: (userId, email) => call('POST /portal/users/:userId/email', { params: { userId }, body: { email } }).then(delivery),
};
