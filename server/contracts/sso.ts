import { z } from 'zod';

/**
 * Single sign-on (OpenID Connect): the firm's provider for staff, and each client's own provider for
 * that client's people. Shared by the server and the browser.
 */

const values = z.array(z.string().trim().min(1).max(200)).max(50);

/** What every provider has: where it is, this portal's credentials there, and how far it is trusted. */
const connection = {
  label: z.string().trim().min(1, 'required').max(60, 'at most 60 characters'),
  issuer: z.string().trim().url('an https address such as https://login.example.com').max(500),
  clientId: z.string().trim().min(1, 'required').max(500),
  /** Write-only: omitted on a change keeps the stored one. */
  clientSecret: z.string().min(1, 'required').max(2000).optional(),
  tokenAuthMethod: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
  scopes: z
    .string()
    .trim()
    .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, 'scopes separated by spaces')
    .refine((s) => s.split(' ').includes('openid'), 'must include openid')
    .default('openid email profile'),
  jit: z.boolean().default(false),
  trustProviderMfa: z.boolean().default(false),
  /** How long a session it made may last; required when the provider has no back-channel logout. */
  sessionMaxMinutes: z.number().int().min(5, 'at least 5 minutes').max(43200, 'at most 30 days').nullable().default(null),
  enabled: z.boolean().default(true),
};

export const SsoProviderInput = z
  .object({
    ...connection,
    roleClaim: z.string().trim().min(1).max(100).nullable().default(null),
    roleMap: z
      .object({ admin: values.default([]), analyst: values.default([]) })
      .strict()
      .default({ admin: [], analyst: [] }),
  })
  .strict();
export type SsoProviderInput = z.input<typeof SsoProviderInput>;
/** The settings as the server reads them (defaults filled in). */
export type SsoProviderSettings = z.output<typeof SsoProviderInput>;

export interface SsoProviderDTO {
  id: string;
  label: string;
  issuer: string;
  clientId: string;
  /** Whether a client secret is stored (it is never sent back). */
  secretSet: boolean;
  tokenAuthMethod: 'client_secret_basic' | 'client_secret_post';
  scopes: string;
  roleClaim: string | null;
  roleMap: { admin: string[]; analyst: string[] };
  jit: boolean;
  trustProviderMfa: boolean;
  sessionMaxMinutes: number | null;
  enabled: boolean;
  /** The address to register at the provider as the redirect URI. */
  callbackUrl: string;
  /** The address to register as its back-channel logout URI. */
  backchannelLogoutUrl: string;
  /** Whether the provider's discovery document says it sends back-channel logout. */
  backchannelLogout: boolean;
}

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a domain such as example.com');

/** A client's own provider: signs in that client's people, only for its e-mail domains. */
export const ClientSsoInput = z
  .object({
    ...connection,
    domains: z.array(domain).min(1, 'at least one domain').max(20, 'at most 20 domains'),
    /** The role of a person it creates (just-in-time); never Manager. */
    jitRole: z.enum(['viewer', 'collaborator']).default('viewer'),
  })
  .strict();
export type ClientSsoInput = z.input<typeof ClientSsoInput>;
export type ClientSsoSettings = z.output<typeof ClientSsoInput>;

export type ClientSsoDTO = Omit<SsoProviderDTO, 'roleClaim' | 'roleMap'> & { domains: string[]; jitRole: 'viewer' | 'collaborator' };

/** Staff sign in only by single sign-on, but the break-glass administrator (password + MFA). */
export const SsoPolicyInput = z.object({ ssoOnlyStaff: z.boolean(), breakGlassUserId: z.string().min(1).max(100).nullable() }).strict();
export type SsoPolicySettings = z.output<typeof SsoPolicyInput>;
export type SsoPolicyDTO = SsoPolicySettings;

/** What the sign-in page offers: the firm's provider for staff, if one is on; whether any client has its own. */
export interface SsoOfferDTO {
  staff: { id: string; label: string } | null;
  clients: boolean;
}

/** "Sign in with your organisation's account": the provider for an address's domain, if its client has one on. */
export const SsoDiscoverInput = z.object({ email: z.string().trim().toLowerCase().email('an e-mail address').max(254) }).strict();
export interface SsoDiscoverDTO {
  provider: { id: string; label: string } | null;
}

/** The answer to signing out: where to send the browser to sign out at the provider too (or null). */
export interface LogoutDTO {
  providerLogoutUrl: string | null;
}
