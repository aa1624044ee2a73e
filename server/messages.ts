import type { Db } from '../db/client.js';

/**
 * The firm's own words (issue 15, points 8 and 9): welcome, an explanation per finding status,
 * footer and help/contact text, each sanitised Markdown. CONTRACT STUB: the messages work replaces
 * the body of `publicMessages` (stored messages, defaults written for a newcomer); the branding
 * work's public endpoint calls it and must not change its signature.
 */
export interface PublicMessages {
  /** Sanitised HTML of the footer text ('' = none). */
  footerHtml: string;
  /** The footer's Markdown source, for the text part of e-mails ('' = none). */
  footerText: string;
  /** Sanitised HTML of the help/contact text. */
  helpHtml: string;
}

export async function publicMessages(db: Db): Promise<PublicMessages> {
  void db;
  return { footerHtml: '', footerText: '', helpHtml: '' };
}
