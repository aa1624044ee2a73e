import { serve } from './endpoint.js';
import { Router } from 'express';
import { retestList } from '../queries/remediation/retests.js';
import { retestCandidates } from '../queries/remediation/retests.js';
import { giveVerdict } from '../commands/remediation/verdict.js';
import type { AppDeps } from '../context.js';
import { receiveAttachment } from '../commands/attachments/upload.js';
import { remediationFinding } from '../queries/remediation/access.js';
import { commandContextOf } from '../middleware/command-context.js';
import { getRemediation } from '../queries/remediation/timeline.js';
import { submitRemediation } from '../commands/remediation/submit.js';
import { remediationSummary, verificationQueue } from '../queries/remediation/queue.js';
import { staffHome } from '../queries/home/staff.js';
import { requestRetest } from '../commands/remediation/request-retest.js';
import { updateRetest } from '../commands/remediation/update-retest.js';
import { getRemediationTargets } from '../queries/firm/settings.js';
import { updateRemediationTargets } from '../commands/firm/update-remediation-targets.js';

/**
 * Remediation: a finding's rounds and due date, a Manager's submission, the firm's verdict, the
 * verification queue, dashboard counts, retest requests and the firm's remediation targets.
 * Rounds have no edit or delete route: they are records (and SQL triggers refuse both).
 */
export function remediationRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /findings/:id/remediation', async ({ req }) => ({ remediation: await getRemediation(deps, commandContextOf(req), req.params.id) }));
  serve(r, 'POST /findings/:id/remediation/submit', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { remediation: await submitRemediation(deps, ctx, req.params.id, input()) };
  });
  // Evidence files for a submission or a verdict: uploaded first (pending, the uploader's own), then
  // named in attachmentIds by the submission or verdict that uses them.
  serve(r, 'POST /findings/:id/remediation/attachments', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    const { name } = input();
    const action = ctx.viewer.user.kind === 'staff' ? 'remediation.verdict' : 'remediation.submit';
    const { finding } = await remediationFinding(deps, ctx, req.params.id, action);
    return { attachment: await receiveAttachment(deps, ctx, req, { clientId: finding.client_id, purpose: 'remediation' }, name) };
  });
  serve(r, 'POST /findings/:id/remediation/verdict', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { remediation: await giveVerdict(deps, ctx, req.params.id, input()) };
  });

  serve(r, 'GET /remediation/queue', async ({ req, input }) => verificationQueue(deps, commandContextOf(req), input()));
  serve(r, 'GET /remediation/summary', async ({ req }) => ({ summary: await remediationSummary(deps, commandContextOf(req)) }));
  // Staff Home's lists beside those counts (a client's people get 403, as on the queue).
  serve(r, 'GET /staff/home', async ({ req }) => staffHome(deps, commandContextOf(req, { kind: 'staff' })));

  serve(r, 'GET /retests', async ({ req, input }) => retestList(deps, commandContextOf(req), input()));
  // The findings a client Manager may name in a retest request (the portal's "Request a retest" form).
  serve(r, 'GET /retests/eligible', async ({ req }) => ({ findings: await retestCandidates(deps, commandContextOf(req)) }));
  serve(r, 'POST /retests', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { retest: await requestRetest(deps, ctx, input()) };
  });
  serve(r, 'PATCH /retests/:id', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { retest: await updateRetest(deps, ctx, req.params.id, input()) };
  });

  serve(r, 'GET /firm/remediation-targets', async ({ req }) => ({ targets: await getRemediationTargets(deps, commandContextOf(req)) }));
  serve(r, 'PUT /firm/remediation-targets', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { targets: await updateRemediationTargets(deps, ctx, input()) };
  });

  return r;
}
