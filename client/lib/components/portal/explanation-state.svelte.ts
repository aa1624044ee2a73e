/** The status explanation a page shows (status-explanation.svelte.ts): which "?" button opened it, and what it says; null when closed. */
export const explanation = $state<{ current: { anchor: HTMLElement; title: string; html: string } | null }>({ current: null });
