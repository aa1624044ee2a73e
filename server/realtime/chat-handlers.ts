import type { AppDeps } from '../context.js';
import { MessageSendInput } from '../contracts/realtime.js';
import { sendMessage } from '../commands/chat/send.js';
import { handler, type EventHandler } from './ack.js';

/**
 * Socket events of the chat channel. `message:send` runs the same command as
 * POST /api/chat/:clientId/messages (rate limit, idempotency, group commit included); the ack
 * carries the message as the sender may see it, after it committed.
 */
export function chatHandlers(deps: AppDeps): EventHandler[] {
  return [handler(deps, 'message:send', MessageSendInput, async (input, ctx) => ({ message: (await sendMessage(deps, ctx, input)).message }))];
}
