import type { AppDeps } from '../../context.js';
import type { ClientRow, EvidenceRow, UserRow } from '../../../db/schema.js';
import type { EvidenceDTO } from '../../contracts/workspace.js';
import type { EvidenceListDTO } from '../../contracts/evidence.js';
import { notFound } from '../../errors.js';
import { isPublished, requireClientModule, requireSeesAt, type ClientRecord } from '../../policies/access.js';
import { authorize } from '../../policies/index.js';
import { presentEvidence } from '../../presenters/workspace.js';
import { portalProfile, STAFF_PROFILE, type VisibilityProfile } from '../../visibility/profile.js';
import { findEvidence, findFindingRef, listEvidence, type FindingRef } from '../../repositories/evidence.js';
import type { CommandContext } from '../../context.js';

/**
 * Who may reach which evidence. Staff: any (policy decides the action). A portal user: what
 * `policies/access.ts` lets them see (shared evidence with a client copy, on a published finding
 * of their own client, while it shows the Evidence field and has the Findings module on).
 * Everything else is 404, exactly like an id that does not exist. The client is always the session's.
 */

export type EvidenceAction = 'evidence.read' | 'evidence.manage' | 'evidence.readOriginal';
type PortalClient = ClientRecord & Pick<ClientRow, 'visible_fields'>;

/** A portal viewer's own client (from the session), after the Findings module check (403 module_disabled). */
async function portalClient(deps: Pick<AppDeps, 'db'>, user: Pick<UserRow, 'kind' | 'client_id'>): Promise<PortalClient | null> {
  if (user.kind !== 'portal') return null;
  const client = user.client_id
    ? await deps.db
        .selectFrom('clients')
        .select(['id', 'modules', 'visible_fields', 'portal_enabled', 'archived_at'])
        .where('id', '=', user.client_id)
        .executeTakeFirst()
    : undefined;
  requireClientModule(user, client, 'findings');
  return client!;
}

/** The finding's evidence as a client sees it: judged as evidence that would be shown (the Evidence field, the finding). */
const ANY_SHOWN = { shared: 1, client_file: 'shown' } as const;

/** The finding, if the viewer may know it for evidence purposes (404 otherwise), and authorised for `action` (403). */
export async function findingForEvidence(
  deps: Pick<AppDeps, 'db'>,
  ctx: CommandContext,
  findingId: string,
  action: 'evidence.read' | 'evidence.manage',
): Promise<{ finding: FindingRef; profile: VisibilityProfile }> {
  const client = await portalClient(deps, ctx.viewer.user);
  const finding = await findFindingRef(deps.db, findingId);
  if (!finding) throw notFound();
  if (client) requireSeesAt(ctx.viewer.user, 'evidence', client, { ...finding, ...ANY_SHOWN });
  authorize(ctx.viewer.user, action, { type: 'clientData', clientId: finding.client_id });
  return { finding, profile: client ? portalProfile(client) : STAFF_PROFILE };
}

/**
 * One evidence row the viewer may use for `action`, or 404 (403 for a visible item and an action
 * the viewer's role may not take). A portal user asking for an original always gets 404.
 */
export async function evidenceFor(
  deps: Pick<AppDeps, 'db'>,
  ctx: CommandContext,
  id: string,
  action: EvidenceAction,
): Promise<{ row: EvidenceRow; profile: VisibilityProfile }> {
  const user = ctx.viewer.user;
  // Decided before anything is looked up: no answer about an original differs by id for a client.
  if (user.kind !== 'staff' && action === 'evidence.readOriginal') throw notFound();
  const client = await portalClient(deps, user);
  const found = await findEvidence(deps.db, id);
  if (!found) throw notFound();
  const { finding_published, ...row } = found;
  if (client)
    requireSeesAt(user, 'evidence', client, { client_id: row.client_id, published: finding_published, shared: row.shared, client_file: row.client_file });
  authorize(user, action, { type: 'clientData', clientId: row.client_id });
  return { row, profile: client ? portalProfile(client) : STAFF_PROFILE };
}

/** A finding's evidence as the viewer may see it (staff: all; client: shared copies only, filtered in SQL). */
export async function listFindingEvidence(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, findingId: string): Promise<EvidenceListDTO> {
  const { finding, profile } = await findingForEvidence(deps, ctx, findingId, 'evidence.read');
  const rows = await listEvidence(deps.db, finding.id, profile.audience === 'portal' ? { clientId: profile.clientId } : undefined);
  const evidence: EvidenceDTO[] = rows.map((r) => presentEvidence(r, profile));
  const head = { id: finding.id, title: finding.title, projectId: finding.project_id };
  return { finding: profile.audience === 'staff' ? { ...head, published: isPublished(finding) } : head, evidence };
}
