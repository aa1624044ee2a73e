import { Router } from 'express';
import type { AppDeps } from '../context.js';

/** Remediation: submissions, verdicts, rounds, retest requests, the verification queue. */
export function remediationRouter(_deps: AppDeps): Router {
  const r = Router();
  return r;
}
