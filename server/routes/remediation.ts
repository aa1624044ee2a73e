import { Router } from 'express';
import { retestList } from '../queries/remediation/retests.js';
import { retestCandidates } from '../queries/remediation/retests.js';
import { giveVerdict } from '../commands/remediation/verdict.js';
import type { AppDeps } from '../context.js';
import { RemediationSubmitInput, RetestRequestInput, RetestUpdateInput, VerdictInput } from '../contracts/remediation.js';
import { RemediationTargetsInput } from '../contracts/firm.js';
import { AttachmentUploadQuery } from '../contracts/chat.js';
import { parseInput } from '../validate.js';
import { receiveAttachment } from '../commands/attachments/upload.js';
import { remediationFinding } from '../queries/remediation/access.js';
import { commandContextOf } from '../middleware/command-context.js';
import { getRemediation } from '../queries/remediation/timeline.js';
import { submitRemediation } from '../commands/remediation/submit.js';
import { remediationSummary, verificationQueue } from '../queries/remediation/queue.js';
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

  r.get('/findings/:id/remediation', async (req, res) => {
    res.json({ remediation: await getRemediation(deps, commandContextOf(req), req.params.id) });
  });
  r.post('/findings/:id/remediation/submit', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json({ remediation: await submitRemediation(deps, ctx, req.params.id, parseInput(RemediationSubmitInput, req.body)) });
  });
  // Evidence files for a submission or a verdict: uploaded first (pending, the uploader's own), then
  // named in attachmentIds by the submission or verdict that uses them.
  r.post('/findings/:id/remediation/attachments', async (req, res) => {
    const ctx = commandContextOf(req);
    const { name } = parseInput(AttachmentUploadQuery, req.query);
    const action = ctx.viewer.user.kind === 'staff' ? 'remediation.verdict' : 'remediation.submit';
    const { finding } = await remediationFinding(deps, ctx, req.params.id, action);
    res.status(201).json({ attachment: await receiveAttachment(deps, ctx, req, { clientId: finding.client_id, purpose: 'remediation' }, name) });
  });
  r.post('/findings/:id/remediation/verdict', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json({ remediation: await giveVerdict(deps, ctx, req.params.id, parseInput(VerdictInput, req.body)) });
  });

  r.get('/remediation/queue', async (req, res) => {
    res.json({ queue: await verificationQueue(deps, commandContextOf(req)) });
  });
  r.get('/remediation/summary', async (req, res) => {
    res.json({ summary: await remediationSummary(deps, commandContextOf(req)) });
  });

  r.get('/retests', async (req, res) => {
    res.json({ retests: await retestList(deps, commandContextOf(req)) });
  });
  // The findings a client Manager may name in a retest request (the portal's "Request a retest" form).
  r.get('/retests/eligible', async (req, res) => {
    res.json({ findings: await retestCandidates(deps, commandContextOf(req)) });
  });
  r.post('/retests', async (req, res) => {
    const ctx = commandContextOf(req);
    res.status(201).json({ retest: await requestRetest(deps, ctx, parseInput(RetestRequestInput, req.body)) });
  });
  r.patch('/retests/:id', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json({ retest: await updateRetest(deps, ctx, req.params.id, parseInput(RetestUpdateInput, req.body)) });
  });

  r.get('/firm/remediation-targets', async (req, res) => {
    res.json({ targets: await getRemediationTargets(deps, commandContextOf(req)) });
  });
  r.put('/firm/remediation-targets', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json({ targets: await updateRemediationTargets(deps, ctx, parseInput(RemediationTargetsInput, req.body)) });
  });

  return r;
}
