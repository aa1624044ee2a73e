import { z } from 'zod';
import { pageFields } from './api.js';
import { AUDIT_OUTCOMES as OUTCOMES, AUDIT_PAGE_MAX } from './audit-values.js';

/**
 * Reading the audit trail: the staff Audit page (its filters, rows, live tail and export), the
 * two audit settings, and a client Manager's Access log. Strict: unknown keys are refused.
 */

/** A calendar day (UTC) as the date input sends it: `2026-12-06`. */
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a real date');
const id = z.string().trim().min(1).max(64);
const emptyIsNone = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** The filters both readers share (person, action or group, dates): the Access log takes only these. */
const commonFilters = {
  actorId: emptyIsNone(id),
  action: emptyIsNone(
    z
      .string()
      .trim()
      .max(64, 'at most 64 characters')
      .regex(/^[a-z0-9_.-]+$/i, 'letters, digits, dots, dashes and underscores'),
  ),
  from: emptyIsNone(day),
  to: emptyIsNone(day),
};
const staffFilters = {
  ...commonFilters,
  clientId: emptyIsNone(id),
  outcome: emptyIsNone(z.enum(OUTCOMES, { error: `one of ${OUTCOMES.join(', ')}` })),
  q: emptyIsNone(z.string().trim().max(200, 'at most 200 characters')),
};

const datesInOrder = (f: { from?: string; to?: string }) => !f.from || !f.to || f.from <= f.to;
const DATES_MESSAGE = { message: 'the start date is after the end date', path: ['to'] };

/** The Audit page's filters (also the live tail's and the export's). */
export const AuditFilters = z.object(staffFilters).strict().refine(datesInOrder, DATES_MESSAGE);
export type AuditFilters = z.output<typeof AuditFilters>;
/** GET /api/audit: the filters and a page. */
export const AuditPageQuery = z
  .object({ ...staffFilters, ...pageFields(AUDIT_PAGE_MAX) })
  .strict()
  .refine(datesInOrder, DATES_MESSAGE);
/** GET /api/audit/export: the filters and the format. */
export const AuditExportQuery = z
  .object({ ...staffFilters, format: z.enum(['csv', 'jsonl'], { error: 'csv or jsonl' }) })
  .strict()
  .refine(datesInOrder, DATES_MESSAGE);

/** The Access log's filters (the client is always the session's). */
const accessFilters = { ...commonFilters };
export const AccessLogPageQuery = z
  .object({ ...accessFilters, ...pageFields(AUDIT_PAGE_MAX) })
  .strict()
  .refine(datesInOrder, DATES_MESSAGE);
export const AccessLogExportQuery = z
  .object({ ...accessFilters, format: z.literal('csv', { error: 'csv' }) })
  .strict()
  .refine(datesInOrder, DATES_MESSAGE);
export type AccessLogFilters = Pick<AuditFilters, 'actorId' | 'action' | 'from' | 'to'>;

/** One row of a Manager's Access log: their own people's activity (no request ids or details). */
export interface AccessLogRowDTO {
  id: number;
  /** ISO 8601, UTC. */
  at: string;
  actorId: string | null;
  /** The person's e-mail (a failed sign-in: the account's). */
  actorEmail: string | null;
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  /** 'browser': the page reported it (a page view); 'server': the server saw it. */
  source: 'server' | 'browser';
}

/** One audit row as staff read it (ids, never bodies: the log never held them): an Access log row and more. */
export interface AuditRowDTO extends AccessLogRowDTO {
  /** 'staff' | 'portal' | 'anonymous' | 'system'; null on rows older than issue 15. */
  actorKind: string | null;
  clientId: string | null;
  clientName: string | null;
  requestId: string | null;
  details: Record<string, unknown> | null;
}

/** GET /api/audit. */
export interface AuditPageDTO {
  rows: AuditRowDTO[];
  /** The cursor of the next (older) page; null on the last. */
  next: string | null;
}

/** GET /api/audit/meta: what the page's filters and header need. */
export interface AuditMetaDTO {
  clients: { id: string; name: string }[];
  people: { id: string; name: string; email: string; kind: 'staff' | 'portal'; clientId: string | null }[];
  /** Whether the viewer may change the audit settings (admins; an analyst reads only). */
  canManage: boolean;
  /** The checkpoint signing key (Ed25519, PEM), once checkpoints exist; null until then. */
  publicKey: string | null;
}

/** The two audit settings (admins). */
export const AuditSettingsInput = z
  .object({
    analystsRead: z.boolean({ error: 'true or false' }),
    /** Days rows are kept, at least 30; null = forever. */
    retentionDays: z
      .number({ error: 'a whole number of days, or null for forever' })
      .int('a whole number of days')
      .min(30, 'at least 30 days')
      .max(36_500, 'at most 36500 days (or choose forever)')
      .nullable(),
  })
  .strict();
export type AuditSettingsInput = z.output<typeof AuditSettingsInput>;
export type AuditSettingsDTO = AuditSettingsInput;

/** GET /api/portal/access-log. */
export interface AccessLogPageDTO {
  rows: AccessLogRowDTO[];
  next: string | null;
  /** The organisation's people, for the person filter. */
  people: { id: string; name: string; email: string }[];
}

/** Live tail (socket): start with the page's filters, or stop. */
export const AuditTailInput = z.object({ on: z.boolean(), filters: AuditFilters.optional(), after: z.number().int().min(0).optional() }).strict();
export type AuditTailInput = z.input<typeof AuditTailInput>;
/** Pushed to a tailing socket at most once a second: the new matching rows, oldest first. */
export interface AuditTailPush {
  rows: AuditRowDTO[];
}
