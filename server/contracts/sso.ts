import { z } from 'zod';

/** Single sign-on (OpenID Connect): the firm's provider for staff. Shared by the server and the browser. */

const values = z.array(z.string().trim().min(1).max(200)).max(50);

export const SsoProviderInput = z
  .object({
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
    roleClaim: z.string().trim().min(1).max(100).nullable().default(null),
    roleMap: z
      .object({ admin: values.default([]), analyst: values.default([]) })
      .strict()
      .default({ admin: [], analyst: [] }),
    jit: z.boolean().default(false),
    trustProviderMfa: z.boolean().default(false),
    sessionMaxMinutes: z.number().int().min(5, 'at least 5 minutes').max(43200).nullable().default(null),
    enabled: z.boolean().default(true),
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
}

/** Staff sign in only by single sign-on, but the break-glass administrator (password + MFA). */
export const SsoPolicyInput = z.object({ ssoOnlyStaff: z.boolean(), breakGlassUserId: z.string().min(1).max(100).nullable() }).strict();
export type SsoPolicySettings = z.output<typeof SsoPolicyInput>;
export type SsoPolicyDTO = SsoPolicySettings;

/** What the sign-in page offers: the firm's provider for staff, if one is on. */
export interface SsoOfferDTO {
  staff: { id: string; label: string } | null;
}
