/** Every error code the API and socket acks can answer with. The browser branches on these, never on text. */
export type ErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'mfa_required'
  | 'forbidden'
  | 'module_disabled'
  | 'not_found'
  | 'conflict'
  | 'confirmation_required'
  | 'validation_failed'
  | 'unprocessable'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'internal_error'
  | 'unavailable'
  | 'storage_full';

/** The body of every error response: `{ error: { code, message, details? }, requestId }`. */
export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
  requestId?: string;
}
