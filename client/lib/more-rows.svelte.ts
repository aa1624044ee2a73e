/**
 * The rows a paged list gained after its first page ("Show more"), and the cursor of the page after
 * them. Whenever the first page is read again (a reload, a live change) they are dropped, so the
 * list starts over from the fresh first page. Create it while a component initialises.
 */
export class MoreRows<T> {
  rows = $state<T[]>([]);
  #next = $state<string | null | undefined>(undefined);

  constructor(firstPage: () => unknown) {
    $effect(() => {
      firstPage();
      this.rows = [];
      this.#next = undefined;
    });
  }

  /** The cursor of the next page: the first page's until more were added. */
  next(firstNext: string | null): string | null {
    return this.#next === undefined ? firstNext : this.#next;
  }

  add(rows: T[], next: string | null): void {
    this.rows = [...this.rows, ...rows];
    this.#next = next;
  }
}
