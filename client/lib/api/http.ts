import type { z } from 'zod';
import type { ApiErrorBody, ErrorCode } from '$contracts/errors';
import type { AnswerOf, EndpointKey, Endpoints, FileEndpointKey, ParamsOf, PathOf } from '$contracts/endpoints';
import { FEED_POSITION_HEADER } from '$contracts/constants';
import { live } from '$lib/realtime/live.svelte';
import { IDLE_FOR_HEADER, IDLE_REMAINING_HEADER, signOutReasonOf } from '$contracts/sign-out';
import { idle } from '$lib/session/idle.svelte';
import { sessionEnded } from '$lib/session/ended';

/**
 * An API failure the pages can branch on by `code` (never by message text). `message` is what a
 * page shows where the failure happened: for a server error it ends with the request id to quote
 * ("Reference: …"), so every inline error carries it; `summary` is the message alone (the error
 * page shows the reference apart, with a Copy button).
 */
export class ApiError extends Error {
  readonly summary: string;
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network_error',
    message: string,
    readonly details?: unknown,
    /** The server's id for the request (X-Request-Id), for the person to quote to support. */
    readonly requestId?: string,
  ) {
    super(status >= 500 && requestId ? `${message} Reference: ${requestId}.` : message);
    this.summary = message;
  }
  /** The message for one form field, when the server named it. */
  fieldMessage(field: string): string | undefined {
    if (!Array.isArray(this.details)) return undefined;
    return (this.details as { path?: string; message?: string }[]).find((d) => d.path === field)?.message;
  }
}

type Empty = Record<never, never>;
type Scalar = string | number | boolean;
type ParamNames<K extends EndpointKey> = keyof ParamsOf<PathOf<K>>;
export type BodyOf<K extends EndpointKey> = Endpoints[K] extends { body: infer S extends z.ZodType } ? z.input<S> : undefined;
/** Query fields are sent as text; the server reads them with the endpoint's schema. */
type QueryOf<K extends EndpointKey> = Endpoints[K] extends { query: infer S extends z.ZodType }
  ? { [F in keyof z.input<S>]?: Scalar | null | undefined }
  : undefined;

/** What a call sends besides its key: the path's parameters, the body, the query, and a `fetch` (SvelteKit's, in loads). */
export type CallParts<K extends EndpointKey> = ([ParamNames<K>] extends [never] ? Empty : { params: Record<ParamNames<K>, string | number> }) &
  (BodyOf<K> extends undefined ? Empty : { body: BodyOf<K> }) &
  (QueryOf<K> extends undefined ? Empty : { query?: QueryOf<K> }) & { fetch?: typeof fetch };
type Args<K extends EndpointKey> = Empty extends CallParts<K> ? [parts?: CallParts<K>] : [parts: CallParts<K>];

/** `/api` + the key's path with its parameters filled in + the query string. */
function urlOf(key: EndpointKey, parts: { params?: Record<string, string | number>; query?: Record<string, Scalar | null | undefined> }): string {
  const path = key.slice(key.indexOf(' ') + 1).replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(parts.params?.[name])));
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parts.query ?? {})) if (value !== undefined && value !== null) query.set(name, String(value));
  return `/api${path}${query.size ? `?${query}` : ''}`;
}

/**
 * The error a failed answer carries (its code and message when the server sent our error body,
 * and the request id to quote). A session ended for a reason (a 401 naming it, or the 403 of a
 * session refused from here) also tells the signed-in pages, which go to the sign-in page with that reason.
 */
function failure(status: number, data: unknown, fallback: string, requestIdHeader: string | null): ApiError {
  const body = data as ApiErrorBody | null;
  const err = body?.error;
  const reason = status === 401 || status === 403 ? signOutReasonOf(err?.details) : null;
  if (reason) sessionEnded(reason);
  return new ApiError(status, err?.code ?? 'internal_error', err?.message ?? fallback, err?.details, body?.requestId ?? requestIdHeader ?? undefined);
}

/** A read of one resource (`id`) that a page's load started for the component that shows it. */
export interface Started<T> {
  id: string;
  read: Promise<T>;
}

/**
 * Start a read in a page's load for one of its components to await, so it runs beside the page's
 * own reads instead of after the page has rendered. A failure is the component's to show; until
 * it awaits, the promise is not an unhandled rejection.
 */
export function started<T>(id: string, read: Promise<T>): Started<T> {
  read.catch(() => undefined);
  return { id, read };
}

/**
 * Call one endpoint of `contracts/endpoints.ts` on our own origin (the session cookie rides along;
 * no token ever touches JS). Parameters, body and answer are typed from the map, so a misspelt key,
 * a missing parameter or a wrong body fails to compile.
 */
export async function call<K extends EndpointKey>(key: K, ...[parts]: Args<K>): Promise<AnswerOf<K>> {
  const p = (parts ?? {}) as { params?: Record<string, string | number>; body?: unknown; query?: Record<string, Scalar>; fetch?: typeof fetch };
  let res: Response;
  try {
    res = await (p.fetch ?? fetch)(urlOf(key, p), {
      method: key.slice(0, key.indexOf(' ')),
      credentials: 'same-origin',
      // How long since the person last touched the page: a request it makes by itself is not their activity.
      headers: { [IDLE_FOR_HEADER]: String(idle.idleFor()), ...(p.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: p.body === undefined ? undefined : JSON.stringify(p.body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection and try again.');
  }
  // Where the live feed stood when this read began: the live connection joins it there.
  const position = res.headers.get(FEED_POSITION_HEADER);
  if (position !== null) live.sawRead(Number(position));
  // How long the session has before it is ended for inactivity (the idle warning counts down from it).
  const remaining = res.headers.get(IDLE_REMAINING_HEADER);
  if (remaining !== null) idle.sawRemaining(Number(remaining));
  if (res.status === 204) return undefined as AnswerOf<K>;
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok)
    throw failure(res.status, data, `The server could not do that (error ${res.status}). Please try again in a moment.`, res.headers.get('x-request-id'));
  return data as AnswerOf<K>;
}

/**
 * Send a file as the raw body of one of the map's file endpoints (the server sniffs its type from
 * the bytes), reporting upload progress as a fraction from 0 to 1. XMLHttpRequest because fetch
 * cannot report upload progress. Errors are the same ApiError as every other call.
 */
export function upload<K extends FileEndpointKey>(
  key: K,
  file: Blob,
  parts: Omit<CallParts<K>, 'fetch'>,
  onProgress?: (fraction: number) => void,
): Promise<AnswerOf<K>> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', urlOf(key, parts as Parameters<typeof urlOf>[1]));
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress?.(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'The upload did not reach the server. Check your connection and try again.'));
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data as AnswerOf<K>);
      reject(
        failure(
          xhr.status,
          data,
          xhr.status === 413 ? 'The file is too large. Choose a smaller one.' : `The upload failed (error ${xhr.status}). Please try again.`,
          xhr.getResponseHeader('x-request-id'),
        ),
      );
    };
    xhr.send(file);
  });
}
