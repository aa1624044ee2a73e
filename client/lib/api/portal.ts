import type { DashboardDTO, PortalProjectDTO } from '$contracts/portal';
import type { FindingPortalDTO, ProjectDTO, ReportDTO } from '$contracts/workspace';
import { ApiError, api } from './http';

type F = typeof fetch;

/**
 * The client portal's reads. The server takes the organisation from the session; nothing here
 * names a client.
 */
export const getDashboard = (f?: F) => api<DashboardDTO>('GET', '/portal/dashboard', undefined, f);
export const listPortalProjects = (f?: F) => api<{ projects: ProjectDTO[] }>('GET', '/portal/projects', undefined, f).then((r) => r.projects);
export const getPortalProject = (id: string, f?: F) => api<PortalProjectDTO>('GET', `/portal/projects/${encodeURIComponent(id)}`, undefined, f);
export const getPortalFinding = (id: string, f?: F) =>
  api<{ finding: FindingPortalDTO }>('GET', `/portal/findings/${encodeURIComponent(id)}`, undefined, f).then((r) => r.finding);
export const listPortalReports = (f?: F) => api<{ reports: ReportDTO[] }>('GET', '/portal/reports', undefined, f).then((r) => r.reports);

/** What a page shows instead of its content: the module is off, the thing isn't there (or isn't yours), or it failed. */
export type Problem = { kind: 'locked' | 'not_found' | 'error'; message: string };
export type Loaded<T> = { ok: true; value: T } | { ok: false; problem: Problem };

/** Settle a read into content or a problem the page can show (never throws). */
export async function settle<T>(p: Promise<T>): Promise<Loaded<T>> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    if (err instanceof ApiError && err.code === 'module_disabled') return { ok: false, problem: { kind: 'locked', message: err.message } };
    if (err instanceof ApiError && err.status === 404) return { ok: false, problem: { kind: 'not_found', message: err.message } };
    return { ok: false, problem: { kind: 'error', message: err instanceof Error ? err.message : 'Something went wrong.' } };
  }
}
