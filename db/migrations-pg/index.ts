import type { Migration } from 'kysely';
import * as baseline from './2026-12-03T1400_baseline.js';
import * as chatUnreadOnce from '../migrations/2026-12-03T2100_chat-unread-once.js';
import * as jobsOnce from '../migrations/2026-12-05T1000_jobs-once.js';
import * as auditFields from '../migrations/2026-12-06T1000_audit-fields.js';
import * as auditChain from '../migrations/2026-12-06T1100_audit-chain.js';
import * as pageViewLimits from '../migrations/2026-12-06T1200_page-view-limits.js';
import * as auditSearch from '../migrations/2026-12-06T1300_audit-search.js';
import * as branding from '../migrations/2026-12-06T1400_branding.js';
import * as messages from '../migrations/2026-12-06T1500_messages.js';
import * as auditPagesByTime from '../migrations/2026-12-06T1550_audit-pages-by-time.js';
import * as emailChanges from '../migrations/2026-12-07T1000_email-changes.js';
import * as notifyDigest from '../migrations/2026-12-07T1300_notify-digest.js';
import * as sessionEndings from '../migrations/2026-12-07T1400_session-endings.js';
import * as readinessProbe from '../migrations/2026-12-08T1000_readiness-probe.js';
import * as sessionCheckAt from '../migrations/2026-12-09T1000_session-check-at.js';
import * as passkeys from '../migrations/2026-12-10T1000_passkeys.js';
import * as sso from '../migrations/2026-12-11T1000_sso.js';
import * as jsonParallelUnsafe from '../migrations/2026-12-12T1000_json-parallel-unsafe.js';
import * as openRounds from '../migrations/2026-12-13T1000_open-rounds.js';

/**
 * PostgreSQL's migrations, in order: one baseline equal to SQLite's first eight (db/migrations/),
 * then the same later migrations as SQLite, each written once for both dialects. Frozen once
 * released: add, never edit.
 */
export const pgMigrations: Record<string, Migration> = {
  '2026-12-03T1400_baseline': baseline,
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
