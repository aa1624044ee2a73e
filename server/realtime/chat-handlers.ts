import type { AppDeps } from '../context.js';
import type { AnySocket } from './ack.js';

/** Socket events of the chat channel (`message:send`); filled in with the chat commands. */
export function registerChatHandlers(_deps: AppDeps, _socket: AnySocket): void {}
