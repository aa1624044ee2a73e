import { mount } from 'svelte';
import StatusExplanation from './StatusExplanation.svelte';
import { explanation } from './explanation-state.svelte';

/**
 * The one status explanation a page shows at a time (issue 19: a list of findings used to build a
 * popover for every row, which cost a 100-row page about half of its time to show). Each row has
 * a plain "?" button; the popover is built the first time one is pressed, once for the whole page,
 * and opens beside the button that asked.
 */
let built = false;

/** Open the explanation of a status beside `anchor` (the "?" button pressed); pressing it again closes it. */
export function explain(anchor: HTMLElement, title: string, html: string): void {
  if (!built) {
    mount(StatusExplanation, { target: document.body });
    built = true;
  }
  explanation.current = explanation.current?.anchor === anchor ? null : { anchor, title, html };
}
