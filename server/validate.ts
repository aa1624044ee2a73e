import type { z } from 'zod';
import { validationFailed } from './errors.js';

/**
 * Parse untrusted input with a strict schema; on failure throw `validation_failed` with each
 * field's problem. Nothing has been changed when this throws.
 */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const r = schema.safeParse(data ?? {});
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = details[0];
  throw validationFailed(first && first.path ? `${first.path}: ${first.message}` : (first?.message ?? 'Invalid input.'), details);
}
