import type { Migration } from 'kysely';
import * as foundation from './2026-11-22T1700_foundation.js';
import * as accounts from './2026-11-22T1800_accounts.js';
import * as workspace from './2026-11-22T1900_workspace.js';
import * as collaboration from './2026-11-23T1000_collaboration.js';
import * as heldInvitations from './2026-12-02T1800_held-invitations.js';
import * as staffScope from './2026-12-03T1000_staff-scope.js';
import * as pageIndexes from './2026-12-03T1200_page-indexes.js';
import * as historyClient from './2026-12-03T1400_history-client.js';
import * as chatUnreadOnce from './2026-12-03T2100_chat-unread-once.js';
import * as jobsOnce from './2026-12-05T1000_jobs-once.js';
import * as auditFields from './2026-12-06T1000_audit-fields.js';
import * as auditChain from './2026-12-06T1100_audit-chain.js';
import * as pageViewLimits from './2026-12-06T1200_page-view-limits.js';
import * as auditSearch from './2026-12-06T1300_audit-search.js';
import * as branding from './2026-12-06T1400_branding.js';
import * as messages from './2026-12-06T1500_messages.js';
import * as auditPagesByTime from './2026-12-06T1550_audit-pages-by-time.js';
import * as emailChanges from './2026-12-07T1000_email-changes.js';
import * as notifyDigest from './2026-12-07T1300_notify-digest.js';
import * as sessionEndings from './2026-12-07T1400_session-endings.js';
import * as readinessProbe from './2026-12-08T1000_readiness-probe.js';
import * as sessionCheckAt from './2026-12-09T1000_session-check-at.js';
import * as passkeys from './2026-12-10T1000_passkeys.js';
import * as sso from './2026-12-11T1000_sso.js';
import * as jsonParallelUnsafe from './2026-12-12T1000_json-parallel-unsafe.js';
import * as openRounds from './2026-12-13T1000_open-rounds.js';

/**
 * Every migration, in order. Listed explicitly (not read from the folder) so the compiled
 * server finds them without file-system globbing. Frozen once released: add, never edit. Those
 * after the first eight are PostgreSQL's too (db/migrations-pg/index.ts lists them after its
 * baseline), so each must work on both.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-22T1700_foundation': foundation,
  '2026-11-22T1800_accounts': accounts,
  '2026-11-22T1900_workspace': workspace,
  '2026-11-23T1000_collaboration': collaboration,
  '2026-12-02T1800_held-invitations': heldInvitations,
  '2026-12-03T1000_staff-scope': staffScope,
  '2026-12-03T1200_page-indexes': pageIndexes,
  '2026-12-03T1400_history-client': historyClient,
  '2026-12-03T2100_chat-unread-once': chatUnreadOnce,
  '2026-12-05T1000_jobs-once': jobsOnce,
  '2026-12-06T1000_audit-fields': auditFields,
  '2026-12-06T1100_audit-chain': auditChain,
  '2026-12-06T1200_page-view-limits': pageViewLimits,
  '2026-12-06T1300_audit-search': auditSearch,
  '2026-12-06T1400_branding': branding,
  '2026-12-06T1500_messages': messages,
  '2026-12-06T1550_audit-pages-by-time': auditPagesByTime,
  '2026-12-07T1000_email-changes': emailChanges,
  '2026-12-07T1300_notify-digest': notifyDigest,
  '2026-12-07T1400_session-endings': sessionEndings,
  '2026-12-08T1000_readiness-probe': readinessProbe,
  '2026-12-09T1000_session-check-at': sessionCheckAt,
  '2026-12-10T1000_passkeys': passkeys,
  '2026-12-11T1000_sso': sso,
  '2026-12-12T1000_json-parallel-unsafe': jsonParallelUnsafe,
  '2026-12-13T1000_open-rounds': openRounds,
};
