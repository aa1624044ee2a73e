import { call, type BodyOf } from './http';

type F = typeof fetch;

/** The firm's name and client-portal support contact (any staff reads; admins change). */
export const getFirmSettings = (fetch?: F) => call('GET /firm', { fetch }).then((r) => r.firm);
export const updateFirmSettings = (body: BodyOf<'PUT /firm'>) => call('PUT /firm', { body }).then((r) => r.firm);
