import { getContext, setContext } from 'svelte';
import type { FindingStatus } from '$contracts/constants';
import type { PortalMessagesDTO } from '$contracts/messages';

/**
 * The firm's messages on portal pages: the portal layout provides them (read once per navigation
 * from GET /api/messages), and the components that show a finding's status read its explanation
 * here, so no page passes them down. Outside the portal (staff pages) nothing is provided.
 */
const KEY = Symbol('portal-messages');

export function provideMessages(get: () => PortalMessagesDTO | null): void {
  setContext(KEY, get);
}

/** The explanation of a status, as sanitised HTML ('' when none is provided or the firm wrote none); call while the component initialises. */
export function statusExplainer(): (status: FindingStatus) => string {
  const get = getContext<(() => PortalMessagesDTO | null) | undefined>(KEY);
  return (status) => get?.()?.statusHtml[status] ?? '';
}

/** Whether the Help panel is open: its button is in the menu (layout), the panel in the portal layout. */
export const helpPanel = $state({ open: false });
