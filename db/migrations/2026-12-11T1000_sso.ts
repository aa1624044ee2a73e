import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * Single sign-on through OpenID Connect (issue 17, points 4–7).
 *
 * - `sso_providers`: the firm's provider (`owner_key` 'firm', for staff) and each client's own
 *   ('client:<id>', for that client's people). The client secret is sealed with the secret box
 *   (context `sso:<id>`); role mapping is the firm's; JIT creation off unless set; the provider's
 *   MFA trusted only when set; `session_max_minutes` bounds an SSO session's life.
 * - `sso_domains`: the e-mail domains a client's provider may sign in (one client per domain).
 * - `sso_identities`: (provider, subject) → person, once linked by verified e-mail or created.
 * - `sso_login_states`: a sign-in in flight (state, nonce, PKCE verifier), keyed by the SHA-256 of
 *   the browser's binding cookie, single use, ten minutes.
 * - `sso_sessions`: which Debrief session an SSO sign-in made (the provider's `sid`, for back-channel
 *   logout); `sso_logout_jtis`: logout tokens seen (a replay is refused).
 * - `firm.sso_only_staff`, `firm.break_glass_user_id`: staff sign in only by SSO, but this one admin.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const time = postgres ? 'bigint' : 'integer';
  await db.schema
    .createTable('sso_providers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_key', 'text', (c) => c.notNull().unique())
    .addColumn('client_id', 'text', (c) => c.references('clients.id').onDelete('cascade'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('oidc_client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_enc', 'text', (c) => c.notNull())
    .addColumn('token_auth_method', 'text', (c) => c.notNull().defaultTo('client_secret_basic'))
    .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('openid email profile'))
    .addColumn('role_claim', 'text')
    .addColumn('role_map', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('jit_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('jit_role', 'text')
    .addColumn('trust_provider_mfa', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('session_max_minutes', 'integer')
    .addColumn('backchannel_logout', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('sso_domains')
    .addColumn('domain', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull().references('sso_providers.id').onDelete('cascade'))
    .execute();
  await db.schema.createIndex('sso_domains_provider').on('sso_domains').column('provider_id').execute();
  await db.schema
    .createTable('sso_identities')
    .addColumn('provider_id', 'text', (c) => c.notNull().references('sso_providers.id').onDelete('cascade'))
    .addColumn('sub', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('linked_via', 'text', (c) => c.notNull())
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('last_login_at', time)
    .addPrimaryKeyConstraint('sso_identities_pk', ['provider_id', 'sub'])
    .addUniqueConstraint('sso_identities_user', ['provider_id', 'user_id'])
    .execute();
  await db.schema
    .createTable('sso_login_states')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) => c.notNull().references('sso_providers.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sso_login_states_expiry').on('sso_login_states').column('expires_at').execute();
  await db.schema
    .createTable('sso_sessions')
    .addColumn('session_id', 'text', (c) => c.primaryKey().references('sessions.id').onDelete('cascade'))
    .addColumn('provider_id', 'text', (c) => c.notNull().references('sso_providers.id').onDelete('cascade'))
    .addColumn('sub', 'text', (c) => c.notNull())
    .addColumn('sid', 'text')
    .addColumn('id_token_enc', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sso_sessions_sid').on('sso_sessions').columns(['provider_id', 'sid']).execute();
  await db.schema.createIndex('sso_sessions_sub').on('sso_sessions').columns(['provider_id', 'sub']).execute();
  await db.schema
    .createTable('sso_logout_jtis')
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('jti', 'text', (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addPrimaryKeyConstraint('sso_logout_jtis_pk', ['provider_id', 'jti'])
    .execute();
  await db.schema
    .alterTable('firm')
    .addColumn('sso_only_staff', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('firm').addColumn('break_glass_user_id', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
