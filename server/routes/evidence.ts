import { serve } from './endpoint.js';
import { Router } from 'express';
import { removeEvidence } from '../commands/evidence/remove.js';
import type { AppDeps } from '../context.js';
import { AppError } from '../errors.js';
import { commandContextOf } from '../middleware/command-context.js';
import { listFindingEvidence } from '../queries/evidence/access.js';
import { addEvidence, checkEvidenceUpload } from '../commands/evidence/upload.js';
import { redactEvidence } from '../commands/evidence/redact.js';
import { updateEvidence } from '../commands/evidence/update.js';
import { serveAuditedFile } from '../queries/downloads.js';
import { EVIDENCE_VARIANTS, openEvidenceFile, type EvidenceVariant } from '../queries/evidence/download.js';
import { receiveUpload } from '../services/uploads.js';

/**
 * Evidence files on findings. Uploads are the raw request body (streamed to disk, size-capped);
 * files are served only through these routes, after the access check, and every download is audited.
 */
export function evidenceRouter(deps: AppDeps): Router {
  const r = Router();
  const mb = Math.round(deps.config.uploadMaxBytes / (1024 * 1024));

  serve(r, 'GET /findings/:id/evidence', async ({ req }) => listFindingEvidence(deps, commandContextOf(req), req.params.id));

  serve(r, 'POST /findings/:id/evidence', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    // Access is decided before a byte of the body is read.
    await checkEvidenceUpload(deps, ctx, req.params.id);
    const query = input();
    const upload = await receiveUpload(req, {
      root: deps.config.uploadsDir,
      folder: 'evidence',
      maxBytes: deps.config.uploadMaxBytes,
      tooLarge: `The file is larger than the ${mb} MB limit.`,
      notAFile: new AppError(415, 'unsupported_media_type', 'Send the file itself as the request body.'),
    });
    return { evidence: await addEvidence(deps, ctx, req.params.id, upload, query) };
  });

  serve(r, 'PUT /evidence/:id/redactions', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { evidence: await redactEvidence(deps, ctx, req.params.id, input()) };
  });

  serve(r, 'PATCH /evidence/:id', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { evidence: await updateEvidence(deps, ctx, req.params.id, input()) };
  });

  serve(r, 'DELETE /evidence/:id', async ({ req }) => {
    await removeEvidence(deps, commandContextOf(req), req.params.id);
  });

  r.get('/evidence/:id/:variant', async (req, res, next) => {
    const variant = req.params.variant as EvidenceVariant;
    if (!EVIDENCE_VARIANTS.includes(variant)) return next();
    const id = req.params.id;
    await serveAuditedFile(deps, req, res, { type: 'evidence', id, variant }, () => openEvidenceFile(deps, commandContextOf(req), id, variant));
  });

  return r;
}
