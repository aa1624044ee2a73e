import type { Updateable } from 'kysely';
import type { FindingTable } from '../../../db/schema.js';
import type { AppDeps } from '../../context.js';
import type { FindingPatch, FindingStaffDTO } from '../../contracts/workspace.js';
import { writeAudit } from '../../audit.js';
import { conflict } from '../../errors.js';
import { auditFor, type CommandContext } from '../../context.js';
import { cvssColumns } from './cvss-columns.js';
import { getFinding, readableFinding } from '../../queries/findings/read.js';
import { appendFindingEvent } from '../../events/log.js';

const COLUMNS = {
  title: 'title',
  severity: 'severity',
  description: 'description',
  impact: 'impact',
  remediation: 'remediation',
  technicalDetails: 'technical_details',
  internalNotes: 'internal_notes',
} as const satisfies Partial<Record<keyof FindingPatch, keyof FindingTable>>;

/** The 409 for an edit based on an older version: the colleague's text is kept, nothing is written. */
const staleVersion = (currentVersion: number) =>
  conflict('A colleague changed this finding after you opened it. Reload to see their changes; nothing was saved.', { currentVersion });

/**
 * Edit a finding with optimistic concurrency: the request names the version it was based on;
 * the update runs `where id = ? and version = ?` and bumps the version, so of two editors of the
 * same version, the second gets 409 instead of silently overwriting the first.
 */
export async function updateFinding(deps: AppDeps, ctx: CommandContext, findingId: string, input: FindingPatch): Promise<FindingStaffDTO> {
  const before = await readableFinding(deps, ctx, findingId, 'finding.manage');
  if (before.version !== input.version) throw staleVersion(before.version);

  const set: Updateable<FindingTable> = {};
  const changed: string[] = [];
  for (const [key, column] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, (typeof COLUMNS)[keyof typeof COLUMNS]][]) {
    const value = input[key];
    if (value !== undefined && value !== before[column]) {
      set[column] = value as never;
      changed.push(key);
    }
  }
  if (input.cvssVector !== undefined) {
    const cvss = cvssColumns(input.cvssVector);
    if (cvss.cvss_vector !== before.cvss_vector) {
      Object.assign(set, cvss);
      changed.push('cvssVector');
    }
  }
  if (input.references !== undefined && JSON.stringify(input.references) !== before.references_json) {
    set.references_json = JSON.stringify(input.references);
    changed.push('references');
  }
  if (input.affectedAssets !== undefined && JSON.stringify(input.affectedAssets) !== before.affected_assets_json) {
    set.affected_assets_json = JSON.stringify(input.affectedAssets);
    changed.push('affectedAssets');
  }
  if (changed.length === 0) return getFinding(deps, ctx, findingId);

  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    // The version check and the write are one statement: no other write can slip in between.
    const r = await trx
      .updateTable('findings')
      .set({ ...set, version: input.version + 1, updated_at: now })
      .where('id', '=', findingId)
      .where('version', '=', input.version)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) {
      const current = await trx.selectFrom('findings').select('version').where('id', '=', findingId).executeTakeFirst();
      throw staleVersion(current?.version ?? input.version);
    }
    await appendFindingEvent(trx, findingId, 'finding:updated', now);
    await writeAudit(
      trx,
      auditFor(ctx, before.client_id),
      {
        action: 'finding.updated',
        outcome: 'success',
        targetType: 'finding',
        targetId: findingId,
        details: { changed, version: input.version + 1 },
      },
      now,
    );
  });
  deps.bus.publish('events.appended', {});
  return getFinding(deps, ctx, findingId);
}
