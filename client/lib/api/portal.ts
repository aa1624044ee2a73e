import type { PortalFindingPageQuery } from '$contracts/portal';
import { ApiError, call } from './http';

type F = typeof fetch;

/**
 * The client portal's reads. The server takes the organisation from the session; nothing here
 * names a client.
 */
export const getDashboard = (fetch?: F) => call('GET /portal/dashboard', { fetch });
/** One page of the client's activity, newest first (`next` of the answer reads the page after). */
export const getPortalActivity = (after: string | null = null, fetch?: F) => call('GET /portal/activity', { query: { after: after ?? undefined }, fetch });
export const listPortalProjects = (fetch?: F) => call('GET /portal/projects', { fetch }).then((r) => r.projects);
export const getPortalProject = (projectId: string, fetch?: F) => call('GET /portal/projects/:projectId', { params: { projectId }, fetch });
/** One page of a project's findings, sorted and filtered by the server; `next` of the answer reads the page after. */
export const getPortalProjectFindings = (projectId: string, query: PortalFindingPageQuery, fetch?: F) =>
  call('GET /portal/projects/:projectId/findings', { params: { projectId }, query, fetch });
export const getPortalFinding = (findingId: string, fetch?: F) =>
  call('GET /portal/findings/:findingId', { params: { findingId }, fetch }).then((r) => r.finding);
export const listPortalReports = (fetch?: F) => call('GET /portal/reports', { fetch }).then((r) => r.reports);
/** What a page shows instead of its content: the module is off, the thing isn't there (or isn't yours), the server can't be reached, or it failed. */
export type Problem = { kind: 'locked' | 'not_found' | 'unreachable' | 'error'; message: string };
export type Loaded<T> = { ok: true; value: T } | { ok: false; problem: Problem };

/** Settle a read into content or a problem the page can show (never throws). */
export async function settle<T>(p: Promise<T>): Promise<Loaded<T>> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    if (err instanceof ApiError && err.code === 'module_disabled') return { ok: false, problem: { kind: 'locked', message: err.message } };
    if (err instanceof ApiError && err.status === 404) return { ok: false, problem: { kind: 'not_found', message: err.message } };
    if (err instanceof ApiError && err.code === 'network_error') return { ok: false, problem: { kind: 'unreachable', message: err.message } };
    return { ok: false, problem: { kind: 'error', message: err instanceof Error ? err.message : 'Something went wrong.' } };
  }
}
