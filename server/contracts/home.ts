import { pageQuery } from './api.js';
import type { ActivityDTO } from './portal.js';
import type { ProjectStatus } from './workspace.js';

/** GET /api/portal/activity?after=&limit=: the client's activity feed, newest first, 20 a page unless asked (at most 50). */
export const ACTIVITY_PAGE_DEFAULT = 20;
export const ActivityPageQuery = pageQuery(50);

/** One event of the firm-wide feed on staff Home: the portal's sentence, a staff link, and whose client it is. */
interface StaffActivityDTO extends ActivityDTO {
  clientId: string;
  clientName: string;
}

/** A project with something waiting on the firm: overdue findings, findings waiting for a verdict, open retest requests. */
export interface AttentionProjectDTO {
  projectId: string;
  name: string;
  status: ProjectStatus;
  clientId: string;
  clientName: string;
  overdue: number;
  pending: number;
  openRetests: number;
}

/** GET /api/staff/home: recent activity, projects needing attention, and how far a new firm has got. */
export interface StaffHomeDTO {
  activity: StaffActivityDTO[];
  attention: AttentionProjectDTO[];
  /** Clients and projects in the viewer's scope (not archived), and the first client for "Create the first project for …". */
  start: { clients: number; projects: number; firstClient: { id: string; name: string } | null };
}
