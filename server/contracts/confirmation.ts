import { z } from 'zod';

/**
 * Confirmations of destructive switches (turning a portal off, an allowlist or shorter timeout that
 * ends live sessions, locking a module, publishing a finding, turning staff MFA off). A request
 * without `confirm: true` whose change reaches people is refused with 409 `confirmation_required`
 * and this consequence in the error's `details`; nothing changes. The browser shows it and sends
 * the same request again with `confirm: true`.
 */

/** The flag a request carries once the person has seen the consequence and confirmed it. */
export const confirmFlag = z.boolean('true or false').optional();

/** POST /findings/:id/publish: `confirm` once the person has seen who is notified. */
export const PublishInput = z.object({ confirm: confirmFlag }).strict();
export type PublishInput = z.input<typeof PublishInput>;

/** Someone a change reaches (signed out, locked out, notified, left without 2FA). */
export interface AffectedPersonDTO {
  id: string;
  name: string;
  email: string;
}

type ConsequenceKind = 'portal_off' | 'sessions_end' | 'module_locked' | 'finding_published' | 'staff_mfa_off';

/** One consequence of a change: a sentence and the people it names. */
export interface ConsequencePartDTO {
  kind: ConsequenceKind;
  message: string;
  people: AffectedPersonDTO[];
}

/** What a change would do, computed by the server in the transaction that would apply it. */
export interface ConsequenceDTO {
  /** Every part's sentence, in order. */
  message: string;
  /** Everyone any part names, once each. */
  people: AffectedPersonDTO[];
  parts: ConsequencePartDTO[];
}
