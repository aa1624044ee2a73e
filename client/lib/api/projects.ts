import type { z } from 'zod';
import type { ProjectDTO, ProjectInput, ProjectPatch } from '$contracts/workspace';
import { api } from './http';

type F = typeof fetch;
type One = { project: ProjectDTO };
type Many = { projects: ProjectDTO[] };
/** What the page sends when creating (defaults may be left out). */
export type NewProject = z.input<typeof ProjectInput>;
export type ProjectChanges = z.input<typeof ProjectPatch>;
export interface StaffOption {
  id: string;
  name: string;
}

const path = (id: string) => `/projects/${encodeURIComponent(id)}`;
const clientPath = (clientId: string) => `/clients/${encodeURIComponent(clientId)}/projects`;

/** Every client's projects (staff). */
export const listAllProjects = (f?: F) => api<Many>('GET', '/projects', undefined, f).then((r) => r.projects);
/** One client's projects. */
export const listClientProjects = (clientId: string, f?: F) => api<Many>('GET', clientPath(clientId), undefined, f).then((r) => r.projects);
export const getProject = (id: string, f?: F) => api<One>('GET', path(id), undefined, f).then((r) => r.project);
export const createProject = (clientId: string, input: NewProject) => api<One>('POST', clientPath(clientId), input).then((r) => r.project);
export const updateProject = (id: string, input: ProjectChanges) => api<One>('PATCH', path(id), input).then((r) => r.project);
/** The active staff who can be put on a project team. */
export const teamOptions = (f?: F) => api<{ staff: StaffOption[] }>('GET', '/projects/team-options', undefined, f).then((r) => r.staff);
