import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../context.js';
import type { FindingInput, FindingStaffDTO } from '../../contracts/workspace.js';
import { writeAudit } from '../../audit.js';
import { auditFor, type CommandContext } from '../../context.js';
import { cvssColumns } from './cvss-columns.js';
import { getFinding } from '../../queries/findings/read.js';
import { readableProject } from '../../queries/projects/read.js';
import { appendFindingEvent } from '../../events/log.js';

/**
 * Create a draft finding in a project. Its client is copied from the project (never taken from
 * the request); the CVSS score is derived from the vector. Drafts are never shown to clients.
 */
export async function createFinding(deps: AppDeps, ctx: CommandContext, projectId: string, input: FindingInput): Promise<FindingStaffDTO> {
  const project = await readableProject(deps, ctx, projectId, 'finding.manage');
  const cvss = cvssColumns(input.cvssVector);
  const id = randomUUID();
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('findings')
      .values({
        id,
        project_id: project.id,
        client_id: project.client_id,
        title: input.title,
        severity: input.severity,
        description: input.description,
        impact: input.impact,
        remediation: input.remediation,
        technical_details: input.technicalDetails,
        ...cvss,
        references_json: JSON.stringify(input.references),
        affected_assets_json: JSON.stringify(input.affectedAssets),
        internal_notes: input.internalNotes,
        published: 0,
        published_at: null,
        version: 1,
        created_by: ctx.viewer.user.id,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await appendFindingEvent(trx, id, 'finding:updated', now);
    await writeAudit(
      trx,
      auditFor(ctx, project.client_id),
      {
        action: 'finding.created',
        outcome: 'success',
        targetType: 'finding',
        targetId: id,
        details: { projectId: project.id, severity: input.severity, cvssScore: cvss.cvss_score },
      },
      now,
    );
  });
  deps.bus.publish('events.appended', {});
  return getFinding(deps, ctx, id);
}
