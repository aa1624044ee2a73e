import { ApiError } from '$lib/api/http';

/**
 * The state of a form that saves: `busy` while the request runs, the `error` it met (an
 * ApiError, so each field can show its own message), `saved` after it succeeded. One per form.
 */
export class SaveState {
  busy = $state(false);
  error = $state<ApiError | null>(null);
  saved = $state(false);

  constructor(private readonly fallback = 'Something went wrong.') {}

  /** Run `work` as this form's save: clears the last outcome, records this one; true if it succeeded. */
  async run(work: () => Promise<unknown>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    this.saved = false;
    try {
      await work();
      this.saved = true;
      return true;
    } catch (err) {
      this.error = err instanceof ApiError ? err : new ApiError(0, 'internal_error', this.fallback);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** The server's message for one field, if the last save was refused for it. */
  fieldMessage(field: string): string | undefined {
    return this.error?.fieldMessage(field);
  }
}
