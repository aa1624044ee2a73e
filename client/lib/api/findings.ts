import type { FindingStatus } from '$contracts/workspace';
import { call, type BodyOf } from './http';

type F = typeof fetch;
export type NewFinding = BodyOf<'POST /projects/:id/findings'>;
/** An edit always names the version it was based on (a stale one gets 409 `conflict`). */
export type FindingChanges = BodyOf<'PATCH /findings/:id'>;

/** One page of a project's findings, drafts included (staff): summary rows, most severe first; `next` continues after them. */
export const listFindings = (projectId: string, after: string | null = null, fetch?: F) =>
  call('GET /projects/:id/findings', { params: { id: projectId }, query: { after }, fetch });
export const getFinding = (id: string, fetch?: F) => call('GET /findings/:id', { params: { id }, fetch }).then((r) => r.finding);
export const createFinding = (projectId: string, body: NewFinding) =>
  call('POST /projects/:id/findings', { params: { id: projectId }, body }).then((r) => r.finding);
export const updateFinding = (id: string, body: FindingChanges) => call('PATCH /findings/:id', { params: { id }, body }).then((r) => r.finding);
/** Without `confirm` the server answers 409 `confirmation_required` naming who is notified (shown, then sent again confirmed). */
export const publishFinding = (id: string, confirm = false) => call('POST /findings/:id/publish', { params: { id }, body: { confirm } }).then((r) => r.finding);
export const unpublishFinding = (id: string) => call('POST /findings/:id/unpublish', { params: { id } }).then((r) => r.finding);
export const changeFindingStatus = (id: string, status: FindingStatus, note: string) =>
  call('POST /findings/:id/status', { params: { id }, body: { status, note } }).then((r) => r.finding);
/** Only drafts can be deleted (a published finding gets 409). */
export const deleteFinding = (id: string) => call('DELETE /findings/:id', { params: { id } });
