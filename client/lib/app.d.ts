// What a page's error carries (client/hooks.client.ts builds it; +error.svelte shows it).
declare global {
  namespace App {
    interface Error {
      message: string;
      /** The API's error code, when an API call failed. */
      code?: string;
      /** The server's request id of a failed API call, for the person to quote to support. */
      requestId?: string;
    }
  }
}

export {};
