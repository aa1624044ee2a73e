import type { ClientDTO, ClientStaffDTO, CreateClientInput, UpdateClientInput } from '$contracts/clients';
import { api } from './http';

type F = typeof fetch;
const path = (id: string) => `/clients/${encodeURIComponent(id)}`;

/** Every client (staff). */
export const listClients = (f?: F) => api<{ clients: ClientDTO[] }>('GET', '/clients', undefined, f).then((r) => r.clients);
export const getClient = (id: string, f?: F) => api<{ client: ClientDTO }>('GET', path(id), undefined, f).then((r) => r.client);
export const createClient = (input: CreateClientInput) => api<{ client: ClientDTO }>('POST', '/clients', input).then((r) => r.client);
export const updateClient = (id: string, input: UpdateClientInput) => api<{ client: ClientDTO }>('PATCH', path(id), input).then((r) => r.client);
export const archiveClient = (id: string) => api<{ client: ClientDTO }>('POST', `${path(id)}/archive`).then((r) => r.client);

/** Who on the firm's side reaches a client (assigned analysts, project teams); admins change the assignments. */
export const getClientStaff = (id: string, f?: F) => api<{ staff: ClientStaffDTO }>('GET', `${path(id)}/staff`, undefined, f).then((r) => r.staff);
export const setClientStaff = (id: string, userIds: string[]) => api<{ staff: ClientStaffDTO }>('PUT', `${path(id)}/staff`, { userIds }).then((r) => r.staff);
