import { untrack } from 'svelte';

/**
 * A form field's value that follows the server's copy until the person edits it. When the page
 * reloads its data (after another save on the page, or a live update), a field left as it was
 * takes the new value; a field being edited keeps what the person typed. Call it during
 * component setup. `same` says when the draft still equals what was loaded (default: trimmed text).
 */
export function serverDraft(source: () => string, same: (draft: string, loaded: string) => boolean = (d, l) => d.trim() === l) {
  let loaded = untrack(source);
  let value = $state(loaded);
  $effect.pre(() => {
    const next = source();
    untrack(() => {
      if (same(value, loaded)) value = next;
      loaded = next;
    });
  });
  return {
    get value() {
      return value;
    },
    set value(v: string) {
      value = v;
    },
  };
}
