import type { AppDeps } from '../context.js';
import { PageViewInput } from '../contracts/realtime.js';
import { recordPageView } from '../commands/audit/record-page-view.js';
import { handler, type EventHandler } from './ack.js';

/**
 * `page:view`: the SPA reports the page it shows (route id and parameters); the command checks it
 * and records it as a browser-reported page view, throttled per session. The ack says whether a
 * row was written; a route or object the viewer may not see is an error ack and writes nothing.
 */
export function pageViewHandlers(deps: AppDeps): EventHandler[] {
  return [handler(deps, 'page:view', PageViewInput, (input, ctx) => recordPageView(deps, ctx, input))];
}
