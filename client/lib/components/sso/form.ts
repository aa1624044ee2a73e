import type { ClientSsoDTO, SsoProviderDTO } from '$contracts/sso';
import type { ApiError } from '$lib/api/http';

/** What every provider form edits, as the fields hold it (text for numbers; the secret empty = keep the stored one). */
export interface ConnectionForm {
  label: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  tokenAuthMethod: 'client_secret_basic' | 'client_secret_post';
  scopes: string;
  sessionMaxMinutes: string;
  jit: boolean;
  trustProviderMfa: boolean;
  enabled: boolean;
}

/** The form for a stored provider, or an empty one with the contract's defaults. */
export function connectionForm(p: SsoProviderDTO | ClientSsoDTO | null, label = ''): ConnectionForm {
  return {
    label: p?.label ?? label,
    issuer: p?.issuer ?? '',
    clientId: p?.clientId ?? '',
    clientSecret: '',
    tokenAuthMethod: p?.tokenAuthMethod ?? 'client_secret_basic',
    scopes: p?.scopes ?? 'openid email profile',
    sessionMaxMinutes: p?.sessionMaxMinutes == null ? '' : String(p.sessionMaxMinutes),
    jit: p?.jit ?? false,
    trustProviderMfa: p?.trustProviderMfa ?? false,
    enabled: p?.enabled ?? true,
  };
}

/** The input the contract takes; a session length that is not a whole number is a local error (`errors`). */
export function connectionInput(f: ConnectionForm, errors: Record<string, string>) {
  const minutes = f.sessionMaxMinutes.trim();
  if (minutes !== '' && !/^\d+$/.test(minutes)) errors.sessionMaxMinutes = 'Enter a whole number of minutes, or leave it empty.';
  return {
    label: f.label,
    issuer: f.issuer,
    clientId: f.clientId,
    ...(f.clientSecret === '' ? {} : { clientSecret: f.clientSecret }),
    tokenAuthMethod: f.tokenAuthMethod,
    scopes: f.scopes,
    sessionMaxMinutes: minutes === '' || errors.sessionMaxMinutes ? null : Number(minutes),
    jit: f.jit,
    trustProviderMfa: f.trustProviderMfa,
    enabled: f.enabled,
  };
}

/** Values typed one a line or separated by commas (group names, domains). */
export const listOf = (text: string) =>
  text
    .split(/[\n,]/)
    .map((v) => v.trim())
    .filter(Boolean);

/** The server's message for a field or anything inside it (`domains` also finds `domains.2`). */
export function messageAt(error: ApiError | null, field: string): string | undefined {
  if (!error || !Array.isArray(error.details)) return undefined;
  const details = error.details as { path?: string; message?: string }[];
  return details.find((d) => d.path === field || d.path?.startsWith(`${field}.`))?.message;
}

/** Whether the server named one of the form's fields (its message shows there, not above the form). */
export const namesAField = (error: ApiError | null, fields: readonly string[]) => fields.some((f) => messageAt(error, f) !== undefined);

/** The fields every provider form shows. */
export const CONNECTION_FIELDS = ['label', 'issuer', 'clientId', 'clientSecret', 'tokenAuthMethod', 'scopes', 'sessionMaxMinutes'] as const;
