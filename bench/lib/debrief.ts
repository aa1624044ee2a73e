import { randomBytes } from 'node:crypto';
import { marker } from './wire.js';

/** A JSON request to the bench's Debrief, as our own pages send it (same Origin, session cookie). */
export async function api(url: string, cookie: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { origin: url, cookie, 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed };
}

export const clientMessageId = () => `b${randomBytes(9).toString('hex')}`;

/** The analyst's write through the real path: a comment on a published finding (POST /api/findings/:id/comments). */
export async function postComment(url: string, cookie: string, findingId: string, tag: string): Promise<void> {
  const r = await api(url, cookie, 'POST', `/api/findings/${findingId}/comments`, { body: `${marker(tag)} bench comment`, clientMessageId: clientMessageId() });
  if (r.status !== 201) throw new Error(`comment refused: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
}

/** A staff chat message through the real path (POST /api/chat/:clientId/messages). */
export async function postChat(url: string, cookie: string, clientId: string, tag: string): Promise<void> {
  const r = await api(url, cookie, 'POST', `/api/chat/${clientId}/messages`, { body: `${marker(tag)} bench chat`, clientMessageId: clientMessageId() });
  if (r.status !== 201) throw new Error(`chat message refused: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
}
