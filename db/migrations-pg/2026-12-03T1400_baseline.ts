import { sql, type Kysely } from 'kysely';

/**
 * PostgreSQL's schema, equal to the eight SQLite migrations up to 2026-12-03T1400_history-client
 * (db/migrations/, frozen: an installed SQLite database's DDL never changes). Equal means what
 * tests/integration/schema-equivalence.test.ts compares: the same tables and columns in the same
 * order, type families, nullability, defaults, keys, indexes, foreign keys and checks. Where the
 * two dialects differ:
 * - SQLite `integer` is `bigint` (times are milliseconds; the pool reads int8 back as numbers) and
 *   its autoincrement keys are identity columns;
 * - `real` is `double precision`, `blob` is `bytea`;
 * - every text column sorts by byte (`collate "C"`), as SQLite's default BINARY does, so lists sort
 *   alike on both;
 * - the e-mail's `collate nocase` unique key is a unique index on `lower(email)`;
 * - the remediation rounds' triggers are plpgsql functions.
 * - SQLite's `json_valid` and `json_type`, used by the access rules' SQL, are plpgsql functions.
 * Later migrations are written once for both (db/migrations/index.ts).
 */
const T = 'text collate "C"';

const TABLES = [
  `create table firm (
    id bigint primary key check (id = 1),
    name ${T} not null,
    support_email ${T},
    support_phone ${T},
    mfa_required_for_staff bigint not null default 0,
    created_at bigint not null,
    updated_at bigint not null,
    session_idle_minutes bigint,
    session_absolute_hours bigint,
    event_floor bigint not null default 0,
    remediation_days ${T} not null default '{"critical":7,"high":30,"medium":90,"low":180}',
    analysts_see_all_clients bigint not null default 1
  )`,
  `create table clients (
    id ${T} primary key,
    name ${T} not null,
    portal_enabled bigint not null default 1,
    archived_at bigint,
    created_at bigint not null,
    updated_at bigint not null,
    ip_allowlist ${T} not null default '[]',
    session_idle_minutes bigint,
    session_absolute_hours bigint,
    modules ${T} not null default '{"projects":true,"findings":true,"reports":true,"chat":true,"activity":true}',
    visible_fields ${T} not null default '{"cvss":true,"technicalDetails":true,"references":true,"evidence":true}'
  )`,
  `create table users (
    id ${T} primary key,
    kind ${T} not null check (kind in ('staff', 'portal')),
    role ${T} not null,
    client_id ${T} references clients (id) on delete restrict,
    email ${T} not null,
    name ${T} not null,
    password_hash ${T},
    status ${T} not null check (status in ('invited', 'active', 'removed')),
    created_at bigint not null,
    updated_at bigint not null,
    last_login_at bigint,
    totp_secret_enc ${T},
    totp_pending_enc ${T},
    totp_last_step bigint,
    avatar_file ${T},
    notify_prefs ${T} not null default '{}',
    invited_by ${T},
    held_email ${T},
    held_reason ${T},
    constraint users_kind_role check ((kind = 'staff' and client_id is null and role in ('admin', 'analyst'))
       or (kind = 'portal' and client_id is not null and role in ('viewer', 'collaborator', 'manager')))
  )`,
  `create unique index users_email on users (lower(email))`,
  `create index users_client on users (client_id)`,
  `create table sessions (
    id ${T} primary key,
    secret_hash bytea not null,
    user_id ${T} not null references users (id) on delete cascade,
    mfa_verified bigint not null default 0,
    created_at bigint not null,
    last_active_at bigint not null,
    expires_at bigint not null,
    ip ${T},
    user_agent ${T}
  )`,
  `create index sessions_user on sessions (user_id)`,
  `create table audit_events (
    id bigint generated always as identity primary key,
    at bigint not null,
    actor_id ${T},
    actor_email ${T},
    client_id ${T},
    action ${T} not null,
    target_type ${T},
    target_id ${T},
    ip ${T},
    user_agent ${T},
    outcome ${T} not null,
    details ${T}
  )`,
  `create index audit_events_at on audit_events (at)`,
  `create index audit_events_client_at on audit_events (client_id, at)`,
  `create table invitations (
    id ${T} primary key,
    token_hash ${T} not null unique,
    user_id ${T} not null references users (id) on delete cascade,
    email ${T} not null,
    client_id ${T} references clients (id) on delete cascade,
    invited_by ${T},
    created_at bigint not null,
    expires_at bigint not null,
    used_at bigint,
    voided_at bigint
  )`,
  `create index invitations_user on invitations (user_id)`,
  `create table password_resets (
    id ${T} primary key,
    token_hash ${T} not null unique,
    user_id ${T} not null references users (id) on delete cascade,
    created_at bigint not null,
    expires_at bigint not null,
    used_at bigint
  )`,
  `create index password_resets_user on password_resets (user_id)`,
  `create table recovery_codes (
    id bigint generated always as identity primary key,
    user_id ${T} not null references users (id) on delete cascade,
    code_hash ${T} not null,
    used_at bigint,
    created_at bigint not null
  )`,
  `create index recovery_codes_user on recovery_codes (user_id)`,
  `create table auth_throttle (
    key ${T} primary key,
    failures bigint not null,
    blocked_until bigint not null,
    updated_at bigint not null
  )`,
  `create table mail_outbox (
    id bigint generated always as identity primary key,
    to_address ${T} not null,
    subject ${T} not null,
    text_body ${T} not null,
    kind ${T} not null,
    status ${T} not null check (status in ('pending', 'sent', 'stored', 'failed')),
    attempts bigint not null default 0,
    last_error ${T},
    next_attempt_at bigint not null,
    created_at bigint not null,
    sent_at bigint
  )`,
  `create index mail_outbox_due on mail_outbox (status, next_attempt_at)`,
  `create table projects (
    id ${T} primary key,
    client_id ${T} not null references clients (id) on delete restrict,
    name ${T} not null,
    status ${T} not null check (status in ('planned', 'active', 'completed', 'archived')),
    start_date ${T},
    end_date ${T},
    description ${T} not null default '',
    created_by ${T},
    created_at bigint not null,
    updated_at bigint not null
  )`,
  `create index projects_client on projects (client_id)`,
  `create index projects_status_created on projects (status, created_at)`,
  `create table project_team (
    project_id ${T} not null references projects (id) on delete cascade,
    user_id ${T} not null references users (id) on delete cascade,
    constraint project_team_pk primary key (project_id, user_id)
  )`,
  `create index project_team_user on project_team (user_id)`,
  `create table findings (
    id ${T} primary key,
    project_id ${T} not null references projects (id) on delete restrict,
    client_id ${T} not null references clients (id) on delete restrict,
    title ${T} not null,
    severity ${T} not null check (severity in ('critical', 'high', 'medium', 'low', 'informational')),
    description ${T} not null default '',
    impact ${T} not null default '',
    remediation ${T} not null default '',
    technical_details ${T} not null default '',
    cvss_vector ${T},
    cvss_version ${T} check (cvss_version in ('3.1', '4.0')),
    cvss_score double precision,
    references_json ${T} not null default '[]',
    affected_assets_json ${T} not null default '[]',
    status ${T} not null default 'open'
      check (status in ('open', 'pending_verification', 'verified_fixed', 'not_fixed', 'partially_fixed', 'risk_accepted', 'closed')),
    published bigint not null default 0,
    published_at bigint,
    internal_notes ${T} not null default '',
    version bigint not null default 1,
    created_by ${T},
    created_at bigint not null,
    updated_at bigint not null,
    due_paused_ms bigint not null default 0,
    due_paused_at bigint
  )`,
  `create index findings_project_counts on findings (project_id, severity, status)`,
  `create index findings_status on findings (status, severity, published_at, published, client_id, due_paused_ms, due_paused_at, id)`,
  `create index findings_client_visible on findings (client_id, published, published_at, status, severity, project_id, id)`,
  `create table finding_status_history (
    id bigint generated always as identity primary key,
    finding_id ${T} not null references findings (id) on delete cascade,
    from_status ${T},
    to_status ${T} not null,
    note ${T} not null default '',
    actor_id ${T},
    at bigint not null,
    client_id ${T} not null default ''
  )`,
  `create index finding_status_history_changes on finding_status_history (finding_id, at, from_status, to_status, id)`,
  `create index finding_status_history_client on finding_status_history (client_id, at, id)`,
  `create table evidence (
    id ${T} primary key,
    finding_id ${T} not null references findings (id) on delete cascade,
    client_id ${T} not null references clients (id) on delete restrict,
    kind ${T} not null check (kind in ('image', 'file')),
    original_file ${T} not null,
    original_name ${T} not null,
    mime ${T} not null,
    size bigint not null,
    width bigint,
    height bigint,
    client_file ${T},
    client_thumb_file ${T},
    redactions ${T} not null default '[]',
    caption ${T} not null default '',
    shared bigint not null default 0,
    created_by ${T},
    created_at bigint not null
  )`,
  `create index evidence_finding on evidence (finding_id)`,
  `create table reports (
    id ${T} primary key,
    project_id ${T} not null references projects (id) on delete restrict,
    client_id ${T} not null references clients (id) on delete restrict,
    title ${T} not null,
    version bigint not null,
    file ${T} not null,
    original_name ${T} not null,
    size bigint not null,
    sha256 ${T} not null,
    published bigint not null default 0,
    published_at bigint,
    damaged_at bigint,
    created_by ${T},
    created_at bigint not null,
    constraint reports_project_title_version unique (project_id, title, version)
  )`,
  `create index reports_client_published on reports (client_id, published)`,
  `create table client_events (
    position bigint generated always as identity primary key,
    client_id ${T} not null,
    type ${T} not null,
    audience ${T} not null check (audience in ('all', 'staff')),
    entity_id ${T} not null,
    data ${T} not null default '{}',
    at bigint not null
  )`,
  `create index client_events_client on client_events (client_id, position)`,
  `create table comments (
    id ${T} primary key,
    finding_id ${T} not null references findings (id) on delete cascade,
    client_id ${T} not null,
    author_id ${T} not null references users (id),
    body ${T} not null,
    internal bigint not null default 0,
    shared_by ${T},
    shared_at bigint,
    client_message_id ${T} not null,
    created_at bigint not null,
    edited_at bigint,
    deleted_at bigint,
    constraint comments_idempotency unique (author_id, client_message_id)
  )`,
  `create index comments_finding on comments (finding_id, created_at)`,
  `create table finding_followers (
    finding_id ${T} not null references findings (id) on delete cascade,
    user_id ${T} not null references users (id) on delete cascade,
    constraint finding_followers_pk primary key (finding_id, user_id)
  )`,
  `create table chat_messages (
    id bigint generated always as identity primary key,
    client_id ${T} not null references clients (id),
    author_id ${T} not null references users (id),
    body ${T} not null,
    client_message_id ${T} not null,
    created_at bigint not null,
    edited_at bigint,
    deleted_at bigint,
    constraint chat_messages_idempotency unique (author_id, client_message_id)
  )`,
  `create index chat_messages_channel on chat_messages (client_id, id, author_id, deleted_at)`,
  `create table chat_reads (
    client_id ${T} not null references clients (id),
    user_id ${T} not null references users (id) on delete cascade,
    last_read_id bigint not null default 0,
    constraint chat_reads_pk primary key (client_id, user_id)
  )`,
  `create table attachments (
    id ${T} primary key,
    client_id ${T} not null references clients (id),
    uploader_id ${T} not null references users (id),
    purpose ${T} not null check (purpose in ('chat', 'remediation')),
    message_id bigint references chat_messages (id),
    round_id ${T},
    kind ${T} not null check (kind in ('image', 'file')),
    file ${T} not null,
    thumb_file ${T},
    original_name ${T} not null,
    mime ${T} not null,
    size bigint not null,
    width bigint,
    height bigint,
    created_at bigint not null
  )`,
  `create index attachments_message on attachments (message_id)`,
  `create index attachments_round on attachments (round_id)`,
  `create table notifications (
    id bigint generated always as identity primary key,
    user_id ${T} not null references users (id) on delete cascade,
    client_id ${T},
    kind ${T} not null,
    actor_id ${T},
    finding_id ${T},
    text ${T} not null,
    link ${T} not null,
    created_at bigint not null,
    read_at bigint,
    emailed_at bigint
  )`,
  `create index notifications_user on notifications (user_id, read_at, id)`,
  `create index notifications_user_id on notifications (user_id, id)`,
  `create table retest_requests (
    id ${T} primary key,
    client_id ${T} not null references clients (id),
    requested_by ${T} not null references users (id),
    message ${T} not null,
    status ${T} not null default 'requested' check (status in ('requested', 'scheduled', 'done')),
    scheduled_for ${T},
    created_at bigint not null,
    updated_at bigint not null
  )`,
  `create table retest_request_findings (
    request_id ${T} not null references retest_requests (id) on delete cascade,
    finding_id ${T} not null references findings (id) on delete cascade,
    constraint retest_request_findings_pk primary key (request_id, finding_id)
  )`,
  `create index retest_request_findings_finding on retest_request_findings (finding_id)`,
  `create table remediation_rounds (
    id ${T} primary key,
    finding_id ${T} not null references findings (id) on delete cascade,
    client_id ${T} not null,
    round_no bigint not null,
    retest_request_id ${T} references retest_requests (id),
    submitted_by ${T} not null references users (id),
    submitted_at bigint not null,
    submit_notes ${T} not null,
    verdict ${T} check (verdict in ('verified_fixed', 'not_fixed', 'partially_fixed')),
    verdict_by ${T} references users (id),
    verdict_at bigint,
    verdict_notes ${T},
    constraint remediation_rounds_no unique (finding_id, round_no)
  )`,
  `create index remediation_rounds_retest on remediation_rounds (retest_request_id)`,
  // A round's submission is fixed when written and its verdict is written once; rounds are never deleted.
  `create function remediation_rounds_frozen() returns trigger language plpgsql as $$
  begin
    if old.verdict is not null
      or new.finding_id is distinct from old.finding_id or new.client_id is distinct from old.client_id
      or new.round_no is distinct from old.round_no or new.submitted_by is distinct from old.submitted_by
      or new.submitted_at is distinct from old.submitted_at or new.submit_notes is distinct from old.submit_notes then
      raise exception 'remediation rounds cannot be changed';
    end if;
    return new;
  end $$`,
  `create trigger remediation_rounds_frozen before update on remediation_rounds for each row execute function remediation_rounds_frozen()`,
  `create function remediation_rounds_kept() returns trigger language plpgsql as $$
  begin
    raise exception 'remediation rounds cannot be deleted';
  end $$`,
  `create trigger remediation_rounds_kept before delete on remediation_rounds for each row execute function remediation_rounds_kept()`,
  // SQLite's json_valid and json_type(doc, '$.key'), which the access rules' SQL uses to read the
  // clients' switch maps (server/policies/access.ts): the same SQL runs on both databases.
  `create function json_valid(doc text) returns boolean language plpgsql immutable parallel safe as $$
  begin
    perform doc::jsonb;
    return true;
  exception when others then
    return false;
  end $$`,
  `create function json_type(doc text, path text) returns text language plpgsql immutable parallel safe as $$
  declare
    v jsonb;
  begin
    v := doc::jsonb #> string_to_array(substr(path, 3), '.');
    return case jsonb_typeof(v)
      when 'boolean' then v::text
      when 'number' then case when v::text ~ '^-?[0-9]+$' then 'integer' else 'real' end
      when 'string' then 'text'
      else jsonb_typeof(v)
    end;
  exception when others then
    return null;
  end $$`,
  `create table client_staff (
    client_id ${T} not null references clients (id) on delete cascade,
    user_id ${T} not null references users (id) on delete cascade,
    assigned_by ${T},
    created_at bigint not null,
    constraint client_staff_pk primary key (client_id, user_id)
  )`,
  `create index client_staff_user on client_staff (user_id)`,
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const ddl of TABLES) await sql.raw(ddl).execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
