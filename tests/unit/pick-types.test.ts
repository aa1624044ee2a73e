import { describe, expect, it } from 'vitest';
import type { CommentDTO, CommentPortalDTO, ReportSummaryDTO } from '../../server/contracts/realtime.js';
import type { EvidenceDTO } from '../../server/contracts/workspace.js';
import { pick, portalProfile, STAFF_PROFILE } from '../../server/visibility/profile.js';

/**
 * `pick` is typed by the DTO it builds (issue 12, point 5): a presenter that forgets a field or
 * offers one the DTO does not have fails to compile. The `@ts-expect-error` lines are checked by
 * `npm run check` (tsc over tests/): were the typing lost, the directives themselves would fail.
 * At run time the visibility table still decides, per profile, which fields leave the server.
 */

const values = { id: () => 'r1', projectId: () => 'p1', title: () => 'Report', version: () => 2 };

function compileOnly() {
  pick<ReportSummaryDTO>('report', STAFF_PROFILE, values);
  // @ts-expect-error a missing field (version)
  pick<ReportSummaryDTO>('report', STAFF_PROFILE, { id: () => 'r1', projectId: () => 'p1', title: () => 'Report' });
  // @ts-expect-error an extra field the DTO does not have
  pick<ReportSummaryDTO>('report', STAFF_PROFILE, { ...values, internalNotes: () => 'secret' });
  // @ts-expect-error a field of the wrong type
  pick<ReportSummaryDTO>('report', STAFF_PROFILE, { ...values, version: () => '2' });
}

/** Every entity the portal receives has a portal DTO without the staff-only fields (issue 12, point 5). */
function portalTypes(c: CommentPortalDTO, e: EvidenceDTO) {
  // @ts-expect-error a portal comment has no internal flag
  void c.internal;
  const either: CommentDTO = c;
  // @ts-expect-error a portal-shaped comment cannot carry a staff-only field
  const leaked: CommentDTO = { ...c, internal: false as const, sharedAt: undefined };
  // Shared code reads a staff-only field as possibly absent.
  const shared: boolean | undefined = e.shared;
  return [either, leaked, shared];
}

describe('pick', () => {
  it('builds the payload from the table at run time: listed fields the profile may see, nothing else', () => {
    expect(typeof compileOnly).toBe('function');
    expect(typeof portalTypes).toBe('function');
    expect(pick<ReportSummaryDTO>('report', STAFF_PROFILE, values)).toEqual({ id: 'r1', projectId: 'p1', title: 'Report', version: 2 });
    const offered = { ...values, clientId: () => 'c1' } as unknown as { [K in keyof ReportSummaryDTO]-?: () => ReportSummaryDTO[K] };
    expect(pick<ReportSummaryDTO>('report', portalProfile({ id: 'c1', visible_fields: '{}' }), offered)).toEqual({
      id: 'r1',
      projectId: 'p1',
      title: 'Report',
      version: 2,
    });
  });
});
