import { call } from './http';

type F = typeof fetch;

/** The latest mails, newest first (admins only). */
export const listOutbox = (fetch?: F) => call('GET /admin/outbox', { fetch }).then((r) => r.mails);
