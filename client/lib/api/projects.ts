import type { AnswerOf } from '$contracts/endpoints';
import { call, type BodyOf } from './http';

type F = typeof fetch;
/** What the page sends when creating (defaults may be left out). */
export type NewProject = BodyOf<'POST /clients/:clientId/projects'>;
export type ProjectChanges = BodyOf<'PATCH /projects/:id'>;
/** A staff member who can be put on a project team. */
export type StaffOption = AnswerOf<'GET /projects/team-options'>['staff'][number];

/** One page of every client's projects (staff): planned and active (`current`) or completed and archived (`done`), newest first. */
export const listAllProjects = (phase: 'current' | 'done', after: string | null = null, fetch?: F) => call('GET /projects', { query: { phase, after }, fetch });
/** One client's projects. */
export const listClientProjects = (clientId: string, fetch?: F) =>
  call('GET /clients/:clientId/projects', { params: { clientId }, fetch }).then((r) => r.projects);
export const getProject = (id: string, fetch?: F) => call('GET /projects/:id', { params: { id }, fetch }).then((r) => r.project);
export const createProject = (clientId: string, body: NewProject) =>
  call('POST /clients/:clientId/projects', { params: { clientId }, body }).then((r) => r.project);
export const updateProject = (id: string, body: ProjectChanges) => call('PATCH /projects/:id', { params: { id }, body }).then((r) => r.project);
/** The active staff who can be put on a project team. */
export const teamOptions = (fetch?: F) => call('GET /projects/team-options', { fetch }).then((r) => r.staff);
