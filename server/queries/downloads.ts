import type { Request, Response } from 'express';
import type { FileHandle } from 'node:fs/promises';
import type { AppDeps } from '../context.js';
import { auditContextOf } from '../context.js';
import { writeAudit, type AuditContext } from '../audit.js';
import { AppError, auditedRefusal } from '../errors.js';
import { sendFileHandle } from '../services/storage.js';

/** An opened, authorised file ready to stream. */
export interface OpenedFile {
  handle: FileHandle;
  headers: Record<string, string>;
  clientId: string;
}

/**
 * The one way an uploaded file (evidence, chat or remediation attachment) leaves the server:
 * `open` authorises and opens it, the bytes are streamed, and every attempt — refused, interrupted
 * or complete — is audited with who, which file and variant, bytes sent and from where.
 */
export async function serveAuditedFile(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  req: Request,
  res: Response,
  target: { type: 'evidence' | 'attachment'; id: string; variant: string },
  open: () => Promise<OpenedFile>,
): Promise<void> {
  const audit = auditContextOf(req);
  let file: OpenedFile;
  try {
    file = await open();
  } catch (error) {
    await auditDownload(deps, audit, target, { error });
    throw error;
  }
  res.status(200).set(file.headers);
  const sent = await sendFileHandle(res, file.handle);
  await auditDownload(deps, audit, target, { ...sent, clientId: file.clientId });
}

async function auditDownload(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  audit: AuditContext,
  { type, id, variant }: { type: 'evidence' | 'attachment'; id: string; variant: string },
  outcome: { bytes: number; complete: boolean; clientId: string } | { error: unknown },
): Promise<void> {
  const base = { action: `${type}.downloaded` as const, targetType: type, targetId: id };
  if ('error' in outcome) {
    auditedRefusal(outcome.error); // this row is its record: no second `authz.denied` row
    const known = outcome.error instanceof AppError;
    const reason = known ? (outcome.error as AppError).code : 'internal_error';
    await writeAudit(deps.db, audit, { ...base, outcome: known ? 'denied' : 'failure', details: { variant, reason, bytes: 0 } }, deps.clock());
    return;
  }
  await writeAudit(
    deps.db,
    { ...audit, clientId: outcome.clientId },
    {
      ...base,
      outcome: outcome.complete ? 'success' : 'failure',
      details: { variant, bytes: outcome.bytes, ...(outcome.complete ? {} : { reason: 'interrupted' }) },
    },
    deps.clock(),
  );
}
