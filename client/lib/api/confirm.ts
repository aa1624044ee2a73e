import type { ConsequenceDTO } from '$contracts/confirmation';
import { ApiError } from './http';

/**
 * The consequence the server described when it refused a destructive change for want of
 * `confirm: true` (409 `confirmation_required`), or null for any other outcome. The page shows it
 * (ConsequenceDialog) and only then sends the same change again, confirmed.
 */
export function consequenceOf(err: unknown): ConsequenceDTO | null {
  return err instanceof ApiError && err.code === 'confirmation_required' ? (err.details as ConsequenceDTO) : null;
}
