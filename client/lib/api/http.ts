import type { ApiErrorBody, ErrorCode } from '$contracts/errors';

/** An API failure the pages can branch on by `code` (never by message text). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network_error',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
  /** The message for one form field, when the server named it. */
  fieldMessage(field: string): string | undefined {
    if (!Array.isArray(this.details)) return undefined;
    return (this.details as { path?: string; message?: string }[]).find((d) => d.path === field)?.message;
  }
}

/** Call the JSON API on our own origin (the session cookie rides along; no token ever touches JS). */
export async function api<T>(method: string, path: string, body?: unknown, fetchFn: typeof fetch = fetch): Promise<T> {
  let res: Response;
  try {
    res = await fetchFn(`/api${path}`, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (data as ApiErrorBody | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'internal_error', err?.message ?? `Request failed (${res.status}).`, err?.details);
  }
  return data as T;
}
