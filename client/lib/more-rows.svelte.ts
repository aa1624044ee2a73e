/**
 * The rows a paged list gained after its first page ("Show more"), and the cursor of the page after
 * them. They belong to the first page they were read after: once the first page is read again (a
 * new sort, a reload, a live change) they are gone in the same render — never shown beside the
 * fresh first page, whose rows they may repeat — and the list starts over from it.
 */
export class MoreRows<T> {
  #added = $state<{ page: unknown; rows: T[]; next: string | null } | null>(null);
  readonly #firstPage: () => unknown;

  constructor(firstPage: () => unknown) {
    this.#firstPage = firstPage;
  }

  /** What was added after the current first page (nothing once another first page was read). */
  #current() {
    const a = this.#added;
    return a && a.page === this.#firstPage() ? a : null;
  }

  get rows(): T[] {
    return this.#current()?.rows ?? [];
  }

  /** The cursor of the next page: the first page's until more were added. */
  next(firstNext: string | null): string | null {
    const a = this.#current();
    return a ? a.next : firstNext;
  }

  /**
   * Read the page after `after` and add it — unless the first page was read again meanwhile (its
   * rows would follow a page no longer shown).
   */
  async load(after: string, read: (after: string) => Promise<{ rows: T[]; next: string | null }>): Promise<void> {
    const page = this.#firstPage();
    const { rows, next } = await read(after);
    if (this.#firstPage() !== page) return;
    const a = this.#current();
    this.#added = { page, rows: a ? [...a.rows, ...rows] : rows, next };
  }
}
