import type { ErrorCode } from './contracts/errors.js';
import type { SignOutReason } from './contracts/sign-out.js';
import { isForeignKeyViolation, isStorageFull, isUnavailable } from '../db/dialect.js';
import { headline, sentenceDetails } from './error-words.js';

/**
 * The one error model: thrown anywhere, written only by the error handler (or a socket ack). Its
 * message, and a validation failure's per-field messages, are made full sentences here
 * (error-words.ts), so every path a person reads an error from gets one.
 */
export class AppError extends Error {
  readonly details?: unknown;
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(headline(message));
    this.name = 'AppError';
    this.details = code === 'validation_failed' ? sentenceDetails(details) : details;
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError(400, 'bad_request', message, details);
export const validationFailed = (message: string, details?: unknown) => new AppError(400, 'validation_failed', message, details);
/** Well-formed input the server cannot accept as it is (a brand failing contrast, an SVG with script): 422. */
export const unprocessable = (message: string, details?: unknown) => new AppError(422, 'unprocessable', message, details);
export const unauthenticated = (message = 'Please sign in.') => new AppError(401, 'unauthenticated', message);
/** The 401 for a cookie whose session was ended for a reason (contracts/sign-out.ts): the page says why. */
export const sessionEnded = (reason: SignOutReason) => new AppError(401, 'unauthenticated', 'Your session has ended. Please sign in again.', { reason });
export const mfaRequired = (message = 'Two-factor authentication is required.') => new AppError(401, 'mfa_required', message);
export const forbidden = (message = 'Your role does not allow this. If you need it, ask whoever manages your access.') =>
  new AppError(403, 'forbidden', message);
/** Across clients the answer is always this: existence is never revealed. */
export const notFound = (message = 'We could not find that. It may have been removed, or the link may be wrong.') => new AppError(404, 'not_found', message);
export const conflict = (message: string, details?: unknown) => new AppError(409, 'conflict', message, details);
/** A destructive change asked without `confirm: true`: nothing changed; `details` is the consequence (contracts/confirmation.ts). */
export const confirmationRequired = (message: string, consequence: unknown) => new AppError(409, 'confirmation_required', message, consequence);
export const payloadTooLarge = (message: string) => new AppError(413, 'payload_too_large', message);
export const rateLimited = (retryAfterSeconds: number, message = 'Too many attempts. Please wait and try again.') =>
  new AppError(429, 'rate_limited', message, { retryAfterSeconds }, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });

/**
 * Anything thrown as the error model: an AppError as it is, a full disk as 507 `storage_full`, and
 * a database that could not do the work now (db/dialect.ts: nothing was committed) as a 503 the
 * person may retry. Null: unexpected.
 */
export function knownError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  // What a write referred to went away meanwhile (a concurrent delete): nothing was saved.
  if (isForeignKeyViolation(err)) return conflict('What this refers to was removed meanwhile. Nothing was saved; reload and try again.');
  // The disk is full (the database's or the uploads'): nothing was saved; reads still work, and
  // writes work again as soon as space is freed, without a restart.
  if (isStorageFull(err)) return new AppError(507, 'storage_full', 'The portal has run out of storage space. Nothing was saved; please try again later.');
  if (isUnavailable(err))
    return new AppError(503, 'unavailable', 'The portal cannot reach its database right now. Nothing was saved; please try again in a moment.', undefined, {
      'Retry-After': '5',
    });
  return null;
}

/**
 * The refusals of the access rules (`policies/`): answered like any error, and also written to the
 * audit trail as `authz.denied` where they are answered (HTTP error handler, socket ack), unless
 * the code that caught one audited it itself (`auditedRefusal`). A WeakSet: nothing is kept.
 */
const refusals = new WeakSet<AppError>();

/** Mark an error as an access rule's refusal (403, or the 404 that hides another client's data). */
export function refusal(err: AppError): AppError {
  refusals.add(err);
  return err;
}

/** Whether this is an access rule's refusal still to be audited. */
export const isRefusal = (err: unknown): err is AppError => err instanceof AppError && refusals.has(err);

/** The refusal was audited by the code that caught it (a download's own row): no second row. */
export function auditedRefusal(err: unknown): void {
  if (err instanceof AppError) refusals.delete(err);
}
