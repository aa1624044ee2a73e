import type { ApiErrorBody } from '$contracts/errors';
import type { ReportDTO } from '$contracts/workspace';
import { ApiError, call, upload } from './http';

type F = typeof fetch;

/** A project's reports: every version for staff. */
export const listProjectReports = (projectId: string, fetch?: F) => call('GET /projects/:id/reports', { params: { id: projectId }, fetch });

/** Upload a PDF as the next version of `title` in the project. */
export const uploadReport = (projectId: string, title: string, file: File, onProgress?: (fraction: number) => void): Promise<ReportDTO> =>
  upload('POST /projects/:id/reports', file, { params: { id: projectId }, query: { title, name: file.name } }, onProgress).then((r) => r.report);

/** Publish a version to the client, or take it back. */
export const setReportPublished = (id: string, published: boolean) => call('PATCH /reports/:id', { params: { id }, body: { published } }).then((r) => r.report);

/** The file name a Content-Disposition header carries (the exact UTF-8 `filename*` when present). */
function dispositionName(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]!);
    } catch {
      /* fall back to the plain name */
    }
  }
  return /filename="([^"]*)"/i.exec(header)?.[1] ?? null;
}

/**
 * Download a report through its checked route and hand it to the browser as a file. Fetched
 * first (not a plain link), so a refusal — a damaged file, a module switched off — is shown as
 * the server's message instead of a downloaded error page.
 */
export async function downloadReport(report: Pick<ReportDTO, 'downloadUrl' | 'originalName'>): Promise<void> {
  let res: Response;
  try {
    res = await fetch(report.downloadUrl, { credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection and try again.');
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as ApiErrorBody | null;
    throw new ApiError(res.status, body?.error?.code ?? 'internal_error', body?.error?.message ?? `The download failed (${res.status}).`);
  }
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = dispositionName(res.headers.get('content-disposition')) ?? report.originalName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
