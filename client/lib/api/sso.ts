import type { ClientSsoDTO, ClientSsoInput } from '$contracts/sso';
import { call, type BodyOf } from './http';

type F = typeof fetch;

/** What the sign-in page offers: the firm's provider for staff, and whether any client has its own (public). */
export const getSsoOffer = (fetch?: F) => call('GET /auth/sso', { fetch });
/** The provider of the client an e-mail address belongs to, if that client has single sign-on on. */
export const discoverSso = (email: string) => call('POST /auth/sso/discover', { body: { email } }).then((r) => r.provider);

/**
 * Where the browser goes to sign in at a provider. A plain navigation, never fetch: the provider
 * sends the browser back to the callback, which sets the session cookie and redirects.
 */
export function ssoStartUrl(providerId: string, loginHint?: string): string {
  const base = `/api/auth/sso/${encodeURIComponent(providerId)}/start`;
  return loginHint ? `${base}?${new URLSearchParams({ login_hint: loginHint })}` : base;
}

/** Admin: the firm's provider for staff and the SSO-only policy. */
export const getFirmSso = (fetch?: F) => call('GET /admin/sso', { fetch });
export const putFirmSso = (body: BodyOf<'PUT /admin/sso'>) => call('PUT /admin/sso', { body }).then((r) => r.provider);
export const putSsoPolicy = (body: BodyOf<'PUT /admin/sso/policy'>) => call('PUT /admin/sso/policy', { body });

/** The reads and writes of one client's own provider; the shared form takes them and never fetches. */
export interface ClientSsoApi {
  get(f?: F): Promise<ClientSsoDTO | null>;
  put(input: ClientSsoInput): Promise<ClientSsoDTO>;
  remove(): Promise<void>;
}

/** A client's provider as the firm's administrators manage it. */
export const clientSso = (clientId: string): ClientSsoApi => ({
  get: (fetch) => call('GET /clients/:clientId/sso', { params: { clientId }, fetch }).then((r) => r.provider),
  put: (body) => call('PUT /clients/:clientId/sso', { params: { clientId }, body }).then((r) => r.provider),
  remove: () => call('DELETE /clients/:clientId/sso', { params: { clientId } }).then(() => undefined),
});

/** The signed-in Manager's own organisation's provider (the server takes the client from the session). */
export const ownSso: ClientSsoApi = {
  get: (fetch) => call('GET /portal/sso', { fetch }).then((r) => r.provider),
  put: (body) => call('PUT /portal/sso', { body }).then((r) => r.provider),
  remove: () => call('DELETE /portal/sso').then(() => undefined),
};
