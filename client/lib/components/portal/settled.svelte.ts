/**
 * The settled value of a promise a page's load handed over unresolved: null while it is pending
 * (the page shows its loading state), then the value. A newer promise replaces an older one's
 * late answer. Create it during component initialisation.
 */
export class Settled<T> {
  current = $state<T | null>(null);

  constructor(source: () => Promise<T>) {
    $effect(() => {
      const promise = source();
      let live = true;
      this.current = null;
      promise.then((v) => {
        if (live) this.current = v;
      });
      return () => {
        live = false;
      };
    });
  }
}
