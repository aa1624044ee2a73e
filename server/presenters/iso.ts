/** A stored Unix-ms time as ISO 8601 (null stays null): the one way payloads carry times. */
export function iso(ms: number): string;
export function iso(ms: number | null | undefined): string | null;
export function iso(ms: number | null | undefined): string | null {
  return ms == null ? null : new Date(ms).toISOString();
}
