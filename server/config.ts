import { createPrivateKey } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { DatabaseTarget } from '../db/client.js';

/**
 * The only reader of process.env. Every setting has a default that serves on a laptop;
 * a bad value stops start-up with one line naming the variable and what it expects.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `an integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `an integer from ${min} to ${max}`).max(max, `an integer from ${min} to ${max}`));

const origin = z
  .string()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === v.replace(/\/$/, '');
    } catch {
      return false;
    }
  }, 'an origin such as https://portal.example.com (scheme, host and optional port, no path)')
  .transform((v) => new URL(v).origin);

/**
 * TRUST_PROXY: `false` (default: use the peer address, ignore X-Forwarded-For), `true`, a hop
 * count, or a comma-separated list of addresses/CIDRs/names understood by Express's `trust proxy`.
 */
const trustProxy = z.string().transform((v, ctx) => {
  const s = v.trim();
  if (s === '' || s === 'false') return false as const;
  if (s === 'true') return true as const;
  if (/^\d+$/.test(s)) return Number(s);
  const parts = s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.every((p) => /^[0-9a-fA-F.:/]+$/.test(p) || ['loopback', 'linklocal', 'uniquelocal'].includes(p))) return parts;
  ctx.addIssue({ code: 'custom', message: 'false, true, a hop count, or a comma-separated list of addresses/CIDRs' });
  return z.NEVER;
});

const smtpUrl = z
  .string()
  .refine((v) => /^smtps?:\/\//.test(v) && URL.canParse(v), 'an smtp:// or smtps:// URL, e.g. smtps://user:pass@mail.example.com:465')
  .optional();

/**
 * DATABASE_URL: a PostgreSQL connection URL (`postgres://` or `postgresql://`, with URL options
 * such as `sslmode`); unset, Debrief keeps its data in SQLite under DATA_DIR.
 */
const databaseUrl = z
  .string()
  .refine(
    (v) => /^postgres(ql)?:\/\/./.test(v) && URL.canParse(v),
    'a postgres:// or postgresql:// URL, e.g. postgres://debrief:secret@db.example.com:5432/debrief',
  )
  .optional();

/**
 * REDIS_URL: a Redis connection URL (`redis://`, or `rediss://` for TLS); set, this instance is one
 * of several behind a load balancer (several-instances mode).
 */
const redisUrl = z
  .string()
  .refine((v) => /^rediss?:\/\/./.test(v) && URL.canParse(v), 'a redis:// or rediss:// URL, e.g. redis://:secret@cache.example.com:6379/0')
  .optional();

/** Variables whose values may hold a password or key: never printed, not even when invalid. */
const SECRET_VARIABLES = new Set(['DATABASE_URL', 'SMTP_URL', 'SECRET_KEY', 'REDIS_URL', 'SETUP_CODE', 'AUDIT_SIGNING_KEY', 'METRICS_TOKEN']);

/**
 * AUDIT_SIGNING_KEY: the Ed25519 private key that signs the audit checkpoints, as PKCS#8 — PEM
 * (`openssl genpkey -algorithm ed25519`) or its DER bytes in base64. Kept as given (PEM text).
 */
const auditSigningKey = z
  .string()
  .transform((v, ctx) => {
    const text = v.trim().replaceAll('\\n', '\n');
    try {
      const key = text.startsWith('-----BEGIN') ? createPrivateKey(text) : createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' });
      if (key.asymmetricKeyType === 'ed25519') return key.export({ format: 'pem', type: 'pkcs8' }).toString();
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: 'an Ed25519 private key in PKCS#8, PEM or base64 DER (e.g. from `openssl genpkey -algorithm ed25519`)' });
    return z.NEVER;
  })
  .optional();

const schema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1, 'a host name or address').default('0.0.0.0'),
  DATA_DIR: z.string().min(1, 'a folder path').default('./data'),
  UPLOADS_DIR: z.string().min(1, 'a folder path').optional(),
  PUBLIC_URL: origin.optional(),
  TRUST_PROXY: trustProxy.default(false),
  /** `true` lets single sign-on providers be reached over plain http (tests and a laptop only: issuers are https). */
  SSO_ALLOW_HTTP: z.enum(['true', 'false'], { message: 'true or false' }).default('false'),
  SMTP_URL: smtpUrl,
  MAIL_FROM: z.string().min(3, 'a sender such as "Debrief <portal@example.com>"').default('Debrief <no-reply@localhost>'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: LOG_LEVELS.join(', ') }).default('info'),
  SESSION_IDLE_MINUTES: int(1, 43200).default(30),
  SESSION_ABSOLUTE_HOURS: int(1, 8760).default(12),
  IDLE_WARNING_SECONDS: int(10, 600).default(120),
  INVITE_TTL_DAYS: int(1, 90).default(7),
  BODY_LIMIT_KB: int(1, 10240).default(100),
  SHUTDOWN_GRACE_MS: int(0, 120000).default(10000),
  REPORT_MAX_MB: int(1, 2048).default(100),
  UPLOAD_MAX_MB: int(1, 1024).default(25),
  CHAT_FILE_MAX_MB: int(1, 1024).default(25),
  EVENT_RETENTION_HOURS: int(1, 8760).default(168),
  NOTIFY_MAIL_MINUTES: int(1, 1440).default(15),
  SOCKETS_PER_USER: int(1, 1000).default(20),
  MESSAGE_RATE_PER_MINUTE: int(1, 100000).default(120),
  MESSAGE_BURST: int(1, 10000).default(20),
  WRITE_BATCH_MAX: int(1, 500).default(500),
  DATABASE_URL: databaseUrl,
  DATABASE_POOL_SIZE: int(1, 100).default(10),
  DATABASE_WAIT_SECONDS: int(0, 600).default(15),
  REDIS_URL: redisUrl,
  SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, '64 hex characters (32 random bytes), e.g. from `openssl rand -hex 32`')
    .optional(),
  SETUP_CODE: z
    .string()
    .refine((v) => v.trim().length >= 20, 'at least 20 characters (a secret of your own, e.g. from `openssl rand -hex 16`)')
    .optional(),
  AUDIT_SIGNING_KEY: auditSigningKey,
  RUNTIME_DIR: z.string().min(1, 'a folder path').optional(),
  BACKUP_EVERY_HOURS: z.coerce
    .number({ message: 'a number of hours such as 24 or 0.5' })
    .min(1 / 3600, 'a number of hours of at least 1/3600 (a second); unset turns scheduled backups off')
    .max(8760, 'at most 8760 hours (a year)')
    .optional(),
  BACKUP_DIR: z.string().min(1, 'a folder path').optional(),
  BACKUP_KEEP: int(1, 1000).default(7),
  MIN_FREE_DISK_MB: int(0, 10_000_000).default(256),
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters (a secret of your own, e.g. from `openssl rand -hex 16`)').optional(),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  /** The SQLite file under DATA_DIR (the database unless DATABASE_URL names a PostgreSQL one). */
  databaseFile: string;
  /** Where the data lives: SQLite in DATA_DIR (default) or PostgreSQL (DATABASE_URL, a pool of DATABASE_POOL_SIZE). */
  database: DatabaseTarget;
  /** How long start-up waits for an unreachable database before it gives up (exit 1). */
  databaseWaitMs: number;
  /** Where uploaded files live (UPLOADS_DIR; default DATA_DIR/uploads): one folder shared by every instance. */
  uploadsDir: string;
  /** REDIS_URL: set when this is one of several instances (with PostgreSQL and SECRET_KEY); else undefined. */
  redisUrl: string | undefined;
  publicUrl: string;
  secureCookies: boolean;
  trustProxy: boolean | number | string[];
  /** SSO_ALLOW_HTTP: providers over plain http accepted (tests and development only). */
  ssoAllowHttp: boolean;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** NOTIFY_MAIL_MINUTES: at most one notification mail per person per this window, unless they chose another. */
  notifyMailMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  /** How long before the idle timeout the page warns (at most half the timeout: the page caps it). */
  idleWarningMs: number;
  inviteTtlMs: number;
  bodyLimitBytes: number;
  shutdownGraceMs: number;
  /** Largest report (PDF) upload. */
  reportMaxBytes: number;
  /** Largest evidence or chat file upload. */
  uploadMaxBytes: number;
  /** Largest file shared in a chat channel. */
  chatFileMaxBytes: number;
  /** How long the client event log keeps events for catch-up; an older cursor gets "resync". */
  eventRetentionMs: number;
  /** Live connections one user may hold at once (tabs, devices); one more is refused. */
  socketsPerUser: number;
  /** Chat messages and comments one user may send: a sustained rate and a burst. */
  messageRatePerMinute: number;
  messageBurst: number;
  /** The most chat and comment writes one group commit carries (1: a transaction per write; for measuring). */
  writeBatchMax: number;
  /** Key for secrets at rest (TOTP): SECRET_KEY if set, else a key file created in the data folder. */
  secretKeyHex: string | undefined;
  secretKeyFile: string;
  /** SETUP_CODE: the first-run setup code chosen by the operator (never logged); unset, an instance issues one (server/auth/setup.ts). */
  setupCode: string | undefined;
  /** AUDIT_SIGNING_KEY as PKCS#8 PEM, or undefined: then derived from SECRET_KEY (several instances) or the key file (server/audit/signing-key.ts). */
  auditSigningKeyPem: string | undefined;
  /** DATA_DIR/audit-signing.key: the checkpoint signing key of a single instance without AUDIT_SIGNING_KEY, created at first start (0600). */
  auditSigningKeyFile: string;
  /** Where the packaged binary writes its natives and web app, a folder per build (RUNTIME_DIR; default DATA_DIR/.runtime). */
  runtimeDir: string;
  /** BACKUP_EVERY_HOURS in ms, or undefined: scheduled backups off. */
  backupEveryMs: number | undefined;
  /** Where scheduled and pre-migration backups go (BACKUP_DIR; default DATA_DIR/backups, never itself backed up). */
  backupDir: string;
  /** How many scheduled backups to keep (BACKUP_KEEP). */
  backupKeep: number;
  /** Below this much free disk (MIN_FREE_DISK_MB), /readyz answers 503 and a scheduled backup is skipped. */
  minFreeDiskBytes: number;
  /** METRICS_TOKEN: the bearer token /metrics requires; undefined, /metrics answers 404. */
  metricsToken: string | undefined;
};

/** A configuration value that cannot be used; its message is the one line printed at start-up. */
export class ConfigError extends Error {}

/** Parse the environment into a typed Config, or throw ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const shown = SECRET_VARIABLES.has(name) ? '' : `=${JSON.stringify(env[name] ?? '')}`;
    throw new ConfigError(`Invalid ${name}${shown}: expected ${issue.message}`);
  }
  const e = parsed.data;
  // Several instances share one database and one key: each would otherwise keep its own.
  if (e.REDIS_URL && !e.DATABASE_URL)
    throw new ConfigError('REDIS_URL is set (several instances) but DATABASE_URL is not: several instances need one shared PostgreSQL database');
  if (e.REDIS_URL && !e.SECRET_KEY)
    throw new ConfigError(
      'REDIS_URL is set (several instances) but SECRET_KEY is not: every instance needs the same key to read the secrets the others stored',
    );
  const dataDir = path.resolve(e.DATA_DIR);
  const publicUrl = e.PUBLIC_URL ?? `http://localhost:${e.PORT}`;
  // It also lets a client's provider be reached on this machine's loopback: never on a real deployment.
  if (e.SSO_ALLOW_HTTP === 'true' && publicUrl.startsWith('https:'))
    throw new ConfigError('SSO_ALLOW_HTTP=true is for tests and a laptop only: it cannot be used with an https PUBLIC_URL');
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseFile: path.join(dataDir, 'debrief.sqlite'),
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE }
      : { kind: 'sqlite', file: path.join(dataDir, 'debrief.sqlite') },
    databaseWaitMs: e.DATABASE_WAIT_SECONDS * 1000,
    uploadsDir: e.UPLOADS_DIR ? path.resolve(e.UPLOADS_DIR) : path.join(dataDir, 'uploads'),
    redisUrl: e.REDIS_URL,
    publicUrl,
    secureCookies: publicUrl.startsWith('https:'),
    trustProxy: e.TRUST_PROXY,
    ssoAllowHttp: e.SSO_ALLOW_HTTP === 'true',
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    notifyMailMs: e.NOTIFY_MAIL_MINUTES * 60_000,
    logLevel: e.LOG_LEVEL,
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
    idleWarningMs: e.IDLE_WARNING_SECONDS * 1000,
    inviteTtlMs: e.INVITE_TTL_DAYS * 86_400_000,
    bodyLimitBytes: e.BODY_LIMIT_KB * 1024,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    reportMaxBytes: e.REPORT_MAX_MB * 1024 * 1024,
    uploadMaxBytes: e.UPLOAD_MAX_MB * 1024 * 1024,
    chatFileMaxBytes: e.CHAT_FILE_MAX_MB * 1024 * 1024,
    eventRetentionMs: e.EVENT_RETENTION_HOURS * 3_600_000,
    socketsPerUser: e.SOCKETS_PER_USER,
    messageRatePerMinute: e.MESSAGE_RATE_PER_MINUTE,
    messageBurst: e.MESSAGE_BURST,
    writeBatchMax: e.WRITE_BATCH_MAX,
    secretKeyHex: e.SECRET_KEY?.toLowerCase(),
    secretKeyFile: path.join(dataDir, 'secret.key'),
    setupCode: e.SETUP_CODE,
    auditSigningKeyPem: e.AUDIT_SIGNING_KEY,
    auditSigningKeyFile: path.join(dataDir, 'audit-signing.key'),
    runtimeDir: e.RUNTIME_DIR ? path.resolve(e.RUNTIME_DIR) : path.join(dataDir, '.runtime'),
    backupEveryMs: e.BACKUP_EVERY_HOURS === undefined ? undefined : Math.round(e.BACKUP_EVERY_HOURS * 3_600_000),
    backupDir: e.BACKUP_DIR ? path.resolve(e.BACKUP_DIR) : path.join(dataDir, 'backups'),
    backupKeep: e.BACKUP_KEEP,
    minFreeDiskBytes: e.MIN_FREE_DISK_MB * 1024 * 1024,
    metricsToken: e.METRICS_TOKEN,
  };
}
