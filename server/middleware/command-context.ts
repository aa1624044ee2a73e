import type { Request } from 'express';
import { auditContextOf } from '../context.js';
import type { CommandContext } from '../context.js';
import { requireViewer } from './authenticate.js';

/** The command context of a signed-in, fully verified HTTP request (401 otherwise): the HTTP adapter of `CommandContext`. */
export function commandContextOf(req: Request, need: Parameters<typeof requireViewer>[1] = {}): CommandContext {
  return { viewer: requireViewer(req, need), audit: auditContextOf(req) };
}
