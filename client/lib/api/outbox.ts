import type { OutboxMailDTO } from '$contracts/users';
import { api } from './http';

/** The latest mails, newest first (admins only). */
export const listOutbox = (f?: typeof fetch) => api<{ mails: OutboxMailDTO[] }>('GET', '/admin/outbox', undefined, f).then((r) => r.mails);
