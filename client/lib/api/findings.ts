import type { z } from 'zod';
import type { FindingInput, FindingPatch, FindingStaffDTO, FindingStatus } from '$contracts/workspace';
import { api } from './http';

type F = typeof fetch;
type One = { finding: FindingStaffDTO };
export type NewFinding = z.input<typeof FindingInput>;
/** An edit always names the version it was based on (a stale one gets 409 `conflict`). */
export type FindingChanges = z.input<typeof FindingPatch>;

const path = (id: string) => `/findings/${encodeURIComponent(id)}`;
const projectPath = (projectId: string) => `/projects/${encodeURIComponent(projectId)}/findings`;

/** Every finding of a project, drafts included (staff). */
export const listFindings = (projectId: string, f?: F) =>
  api<{ findings: FindingStaffDTO[] }>('GET', projectPath(projectId), undefined, f).then((r) => r.findings);
export const getFinding = (id: string, f?: F) => api<One>('GET', path(id), undefined, f).then((r) => r.finding);
export const createFinding = (projectId: string, input: NewFinding) => api<One>('POST', projectPath(projectId), input).then((r) => r.finding);
export const updateFinding = (id: string, input: FindingChanges) => api<One>('PATCH', path(id), input).then((r) => r.finding);
export const publishFinding = (id: string) => api<One>('POST', `${path(id)}/publish`).then((r) => r.finding);
export const unpublishFinding = (id: string) => api<One>('POST', `${path(id)}/unpublish`).then((r) => r.finding);
export const changeFindingStatus = (id: string, status: FindingStatus, note: string) =>
  api<One>('POST', `${path(id)}/status`, { status, note }).then((r) => r.finding);
/** Only drafts can be deleted (a published finding gets 409). */
export const deleteFinding = (id: string) => api<void>('DELETE', path(id));
