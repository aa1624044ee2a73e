import type { AppDeps, CommandContext } from '../../context.js';
import type { MessagePreviewInput, MessageSettingsDTO, PortalMessagesDTO } from '../../contracts/messages.js';
import { forbidden } from '../../errors.js';
import { messageSettings, normaliseMessages, portalMessages, renderMessage } from '../../messages.js';
import { authorize } from '../../policies/index.js';

/** The messages as the settings page edits them: any staff member reads (like the company settings); portal users 403. */
export async function getMessageSettings(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<MessageSettingsDTO> {
  if (ctx.viewer.user.kind !== 'staff') throw forbidden();
  return messageSettings(deps.db);
}

/** The messages as the portal shows them, rendered: every signed-in person (a client's people, and staff checking). */
export async function getPortalMessages(deps: Pick<AppDeps, 'db'>): Promise<PortalMessagesDTO> {
  return portalMessages(deps.db);
}

/**
 * One message's text rendered exactly as it would be stored and shown (the same sanitiser): for
 * the settings page's Preview (admins, who may change them). Over the message's limit: 422, as a save.
 */
export function previewMessage(ctx: CommandContext, input: MessagePreviewInput): { html: string } {
  authorize(ctx.viewer.user, 'firm.manage');
  const text = normaliseMessages({ [input.key]: input.text }).get(input.key) ?? '';
  return { html: renderMessage(text) };
}
