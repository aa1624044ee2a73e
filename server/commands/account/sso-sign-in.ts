import { randomUUID } from 'node:crypto';
import type { SsoProviderRow, UserRow } from '../../../db/schema.js';
import type { AppDeps } from '../../context.js';
import { writeAudit, type AuditContext, type AuditEntry } from '../../audit.js';
import { notFound } from '../../errors.js';
import type { MfaStep } from '../../contracts/auth.js';
import type { SsoDiscoverDTO, SsoOfferDTO } from '../../contracts/sso.js';
import { accessProblem, clientOf } from '../../auth/access.js';
import { endSessions } from '../../auth/revoke.js';
import { sealSecret } from '../../auth/secret-box.js';
import { hashSecretHex, randomToken } from '../../auth/tokens.js';
import { issueSession, mfaStepFor, type IssuedSession } from '../../auth/sign-in.js';
import {
  authorizationRequest,
  configurationOf,
  emailDomain,
  exchangeCode,
  LOGIN_STATE_MS,
  mapStaffRole,
  providerDidMfa,
  providerReaches,
  refusalReason,
  verifiedEmail,
  type SsoClaims,
} from '../../auth/sso.js';
import { findFirm } from '../../repositories/firm.js';
import {
  anyClientProvider,
  domainAllowed,
  findIdentity,
  findProvider,
  findProviderOf,
  insertSsoSession,
  linkIdentity,
  providerForDomain,
  saveLoginState,
  takeLoginState,
  touchIdentity,
} from '../../repositories/sso.js';
import { findUser, findUserByEmail, insertUser, markSignedIn } from '../../repositories/users.js';
import type { OriginContext } from './origin.js';

/**
 * Signing in through an OpenID Connect provider: the firm's (staff) or a client's own (its people).
 * The sign-in in flight is bound to a cookie only this browser holds (its hash keys the login state:
 * state, nonce and PKCE verifier, used once). Who the provider vouches for is found by (provider,
 * subject), or once by a verified e-mail among the people that provider may sign in; a client's
 * provider only for its own domains. Every refusal is audited with its reason and looks the same
 * from outside.
 */

/** What the sign-in page offers. */
export async function ssoOffer(deps: Pick<AppDeps, 'db'>): Promise<SsoOfferDTO> {
  const p = await findProviderOf(deps.db, 'firm');
  return { staff: p && p.enabled === 1 ? { id: p.id, label: p.label } : null, clients: await anyClientProvider(deps.db) };
}

/**
 * "Sign in with your organisation's account": the provider of the client that holds the address's
 * domain, if it is on. It says which organisation's provider serves a domain, never whether an
 * account exists.
 */
export async function discoverProvider(deps: Pick<AppDeps, 'db'>, email: string): Promise<SsoDiscoverDTO> {
  const p = await providerForDomain(deps.db, emailDomain(email));
  return { provider: p ? { id: p.id, label: p.label } : null };
}

/** Step 1: the address at the provider to send the browser to, and the binding cookie's value. */
export async function startSsoSignIn(deps: AppDeps, providerId: string, loginHint?: string): Promise<{ url: string; binding: string }> {
  const p = await findProvider(deps.db, providerId);
  if (!p || p.enabled !== 1) throw notFound();
  const now = deps.clock();
  const c = await configurationOf(deps.config, p, now);
  const request = await authorizationRequest(c, deps.config, p.scopes, loginHint);
  const binding = randomToken(20);
  await saveLoginState(
    deps.db,
    {
      id: hashSecretHex(binding),
      provider_id: p.id,
      state: request.state,
      nonce: request.nonce,
      code_verifier: request.codeVerifier,
      expires_at: now + LOGIN_STATE_MS,
    },
    now,
  );
  return { url: request.url.toString(), binding };
}

export type SsoOutcome = { ok: true; session: IssuedSession; mfaStep: MfaStep } | { ok: false; refusal: 'failed' | 'no_access' };

/** Step 2: the provider's answer at the callback. */
export async function finishSsoSignIn(deps: AppDeps, ctx: OriginContext, binding: string | null, query: string): Promise<SsoOutcome> {
  const now = deps.clock();
  const base: AuditContext = { ...ctx.audit, actorId: null, actorEmail: null, clientId: null, actorKind: 'anonymous' };
  const refuse = async (
    reason: string,
    p?: SsoProviderRow,
    user?: Pick<UserRow, 'id' | 'client_id'>,
    outcome: AuditEntry['outcome'] = 'failure',
  ): Promise<SsoOutcome> => {
    await writeAudit(
      deps.db,
      { ...base, clientId: user?.client_id ?? p?.client_id ?? null },
      {
        action: 'auth.login',
        outcome,
        ...(user && { targetType: 'user', targetId: user.id }),
        details: { factor: 'oidc', reason, ...(p && { providerId: p.id }) },
      },
      now,
    );
    return { ok: false, refusal: reason === 'no_access' ? 'no_access' : 'failed' };
  };
  const state = binding ? await takeLoginState(deps.db, hashSecretHex(binding), now) : undefined;
  if (!state) return refuse('no_login_state');
  const p = await findProvider(deps.db, state.provider_id);
  if (!p || p.enabled !== 1) return refuse('provider_disabled', p);
  let exchange;
  try {
    exchange = await exchangeCode(await configurationOf(deps.config, p, now), deps.config, query, {
      codeVerifier: state.code_verifier,
      state: state.state,
      nonce: state.nonce,
    });
  } catch (err) {
    exchange = { ok: false as const, reason: refusalReason(err) };
  }
  if (!exchange.ok) return refuse(exchange.reason, p);
  const claims = exchange.claims;

  // Who: the linked identity, else a verified e-mail among the people this provider may sign in.
  const linked = await findIdentity(deps.db, p.id, claims.sub);
  const email = verifiedEmail(claims);
  let user = linked ? await findUser(deps.db, linked.user_id) : undefined;
  let linkedVia: 'email' | 'jit' | null = null;
  if (!linked) {
    if (!email) return refuse('email_unverified', p);
    user = await findUserByEmail(deps.db, email);
    if (user) linkedVia = 'email';
    // Linked to another subject of this provider already: an address never moves an identity.
    if (user && (await deps.db.selectFrom('sso_identities').select('sub').where('provider_id', '=', p.id).where('user_id', '=', user.id).executeTakeFirst())) {
      return refuse('linked_to_other_subject', p, user, 'denied');
    }
  }
  if (user) {
    const reach = providerReaches(p, user);
    if (reach !== 'ok') return refuse(reach, p, user, 'denied');
  }
  // A client's provider: only for that client's domains, at every sign-in.
  if (p.client_id !== null) {
    const address = email ?? user?.email ?? '';
    if (!(await domainAllowed(deps.db, p.id, emailDomain(address)))) return refuse('domain_not_allowed', p, user, 'denied');
  }
  // Staff: the role the provider's claim maps to decides, every time (when a claim is set).
  // Without a role claim, roles stay Debrief's (new staff: analysts).
  const mapsRoles = p.client_id === null && p.role_claim !== null;
  const mapped = mapsRoles ? mapStaffRole(p, claims as Record<string, unknown>) : null;
  if (mapsRoles && !mapped) return refuse('no_access', p, user, 'denied');
  const firm = await findFirm(deps.db);
  if (user && p.client_id === null && user.id === firm?.break_glass_user_id) return refuse('break_glass_password_only', p, user, 'denied');

  if (!user) {
    if (p.jit_enabled !== 1 || !email) return refuse('no_account', p);
    user = await createFromProvider(deps, p, claims, email, mapped?.role ?? 'analyst', now);
    linkedVia = 'jit';
  }
  if (user.status === 'removed') return refuse('removed', p, user, 'denied');
  if (mapped && mapped.role !== user.role) {
    await deps.db.updateTable('users').set({ role: mapped.role, updated_at: now }).where('id', '=', user.id).execute();
    await writeAudit(
      deps.db,
      { ...base, clientId: null },
      {
        action: 'sso.role_mapped',
        outcome: 'success',
        targetType: 'user',
        targetId: user.id,
        details: { providerId: p.id, from: user.role, to: mapped.role, matched: mapped.matched },
      },
      now,
    );
    user = { ...user, role: mapped.role };
  }
  if (user.status === 'invited') {
    await deps.db.updateTable('users').set({ status: 'active', updated_at: now }).where('id', '=', user.id).execute();
    user = { ...user, status: 'active' };
  }
  const client = await clientOf(deps.db, user);
  const problem = accessProblem(user, client, ctx.audit.ip ?? null);
  if (problem) return refuse(problem, p, user, 'denied');

  // The second factor: Debrief's own unless the firm trusts the provider's and the provider says it did one.
  const trusted = providerDidMfa(p, claims);
  const enrolled = user.totp_secret_enc !== null || user.passkey_count > 0;
  const mfaStep = trusted ? null : mfaStepFor(user.kind, enrolled, { mfa_required_for_staff: 1 });
  if (linkedVia) {
    await linkIdentity(deps.db, { provider_id: p.id, sub: claims.sub, user_id: user.id, linked_via: linkedVia, created_at: now, last_login_at: now });
    await writeAudit(
      deps.db,
      { ...base, clientId: user.client_id },
      { action: 'sso.identity_linked', outcome: 'success', targetType: 'user', targetId: user.id, details: { providerId: p.id, via: linkedVia } },
      now,
    );
  } else {
    await touchIdentity(deps.db, p.id, claims.sub, now);
  }
  if (ctx.sessionId) await endSessions(deps, [ctx.sessionId], null);
  const session = await issueSession(
    deps,
    user,
    mfaStep === null,
    ctx.audit,
    false,
    p.session_max_minutes === null ? undefined : p.session_max_minutes * 60_000,
  );
  await insertSsoSession(deps.db, {
    session_id: session.sessionId,
    provider_id: p.id,
    sub: claims.sub,
    sid: typeof claims.sid === 'string' ? claims.sid : null,
    id_token_enc: sealSecret(deps.config, exchange.idToken, `sso-session:${session.sessionId}`),
    created_at: now,
  });
  if (mfaStep === null) await markSignedIn(deps.db, user.id, now);
  await writeAudit(
    deps.db,
    { ...base, actorId: user.id, actorEmail: user.email, actorKind: user.kind, clientId: user.client_id },
    {
      action: 'auth.login',
      outcome: 'success',
      targetType: 'user',
      targetId: user.id,
      details: {
        factor: 'oidc',
        providerId: p.id,
        mfaStep,
        mfaTrusted: trusted,
        ...(linkedVia && { linkedVia }),
        ...(Array.isArray(claims.amr) && { amr: claims.amr }),
      },
    },
    now,
  );
  return { ok: true, session, mfaStep };
}

/** Just-in-time: an account for a verified address the provider vouches for (staff: the mapped role; a client's: its JIT role). */
async function createFromProvider(deps: AppDeps, p: SsoProviderRow, claims: SsoClaims, email: string, staffRole: string | null, now: number): Promise<UserRow> {
  const id = randomUUID();
  const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim().slice(0, 100) : email;
  await insertUser(deps.db, {
    id,
    kind: p.client_id === null ? 'staff' : 'portal',
    role: (p.client_id === null ? staffRole : (p.jit_role ?? 'viewer')) as UserRow['role'],
    client_id: p.client_id,
    email,
    name,
    password_hash: null,
    status: 'active',
    created_at: now,
    updated_at: now,
    last_login_at: null,
    totp_secret_enc: null,
    totp_pending_enc: null,
    totp_last_step: null,
    avatar_file: null,
    invited_by: null,
  });
  await writeAudit(
    deps.db,
    { ...{ actorId: null, actorEmail: null, actorKind: 'system', ip: null, userAgent: null }, clientId: p.client_id },
    { action: 'sso.user_created', outcome: 'success', targetType: 'user', targetId: id, details: { providerId: p.id } },
    now,
  );
  return (await findUser(deps.db, id))!;
}
