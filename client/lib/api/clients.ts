import { call, type BodyOf } from './http';

type F = typeof fetch;

/** Every client (staff). */
export const listClients = (fetch?: F) => call('GET /clients', { fetch }).then((r) => r.clients);
export const getClient = (clientId: string, fetch?: F) => call('GET /clients/:clientId', { params: { clientId }, fetch }).then((r) => r.client);
export const createClient = (body: BodyOf<'POST /clients'>) => call('POST /clients', { body }).then((r) => r.client);
export const updateClient = (clientId: string, body: BodyOf<'PATCH /clients/:clientId'>) =>
  call('PATCH /clients/:clientId', { params: { clientId }, body }).then((r) => r.client);
export const archiveClient = (clientId: string) => call('POST /clients/:clientId/archive', { params: { clientId } }).then((r) => r.client);

/** Who on the firm's side reaches a client (assigned analysts, project teams); admins change the assignments. */
export const getClientStaff = (clientId: string, fetch?: F) => call('GET /clients/:clientId/staff', { params: { clientId }, fetch }).then((r) => r.staff);
export const setClientStaff = (clientId: string, userIds: string[]) =>
  call('PUT /clients/:clientId/staff', { params: { clientId }, body: { userIds } }).then((r) => r.staff);
