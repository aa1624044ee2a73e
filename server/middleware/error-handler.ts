import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { AppError, knownError, notFound } from '../errors.js';
import type { ApiErrorBody } from '../contracts/errors.js';

/** Unknown /api paths answer 404 JSON, not the SPA. */
export const apiNotFound: RequestHandler = (_req, _res, next) => next(notFound('No such API endpoint.'));

/** Map anything thrown to the one error model. Body-parser errors carry a `type` we translate. */
function toAppError(err: unknown): AppError | null {
  const known = knownError(err);
  if (known) return known;
  if (err instanceof ZodError) {
    return new AppError(
      400,
      'validation_failed',
      'Some fields are not valid: correct the ones marked and try again.',
      err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  const e = err as { type?: string; status?: number; limit?: number };
  if (e?.type === 'entity.parse.failed') return new AppError(400, 'bad_request', 'The request body is not valid JSON.');
  if (e?.type === 'entity.too.large')
    return new AppError(413, 'payload_too_large', `The request body is larger than the ${Math.round((e.limit ?? 0) / 1024)} KB limit.`);
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return new AppError(415, 'unsupported_media_type', 'Unsupported request encoding.');
  return null;
}

/**
 * The only writer of error responses: `{ error: { code, message, details? }, requestId }`.
 * Unexpected errors are logged with their stack and answered `internal_error`, stack never sent.
 */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  let appError = toAppError(err);
  if (!appError) {
    req.log.error({ err }, 'unhandled error');
    appError = new AppError(500, 'internal_error', 'Something went wrong on our side. Please try again.');
  } else if (appError.status >= 500) {
    req.log.error({ err }, appError.message);
  }
  if (res.headersSent) return res.destroy();
  for (const [k, v] of Object.entries(appError.headers ?? {})) res.setHeader(k, v);
  const body: ApiErrorBody = { error: { code: appError.code, message: appError.message }, requestId: req.id };
  if (appError.details !== undefined) body.error.details = appError.details;
  res.status(appError.status).json(body);
};
