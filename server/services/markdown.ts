import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

/** Our own parser instance (no global options shared with anything else); GitHub-flavoured, no raw-HTML trust. */
const marked = new Marked({ gfm: true, breaks: true, async: false });

const ALLOWED_TAGS = [
  'p',
  'br',
  'hr',
  'strong',
  'em',
  'del',
  's',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'a',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
];

/**
 * Render markdown to HTML that is safe to insert in a page: marked renders, then sanitize-html
 * keeps only formatting tags, and links only with http, https or mailto targets (no
 * `javascript:`, no `data:`); every link opens in a new tab without a referrer or opener.
 */
export function renderMarkdown(source: string): string {
  return source.trim() ? rendered(source) : '';
}

/**
 * A pure function of a text with its recent results kept (the oldest of `limit` goes first).
 * Rendering is a pure function of the text; a chat message or comment is presented for its
 * sender, for staff and for its client's portal, and again in every catch-up that covers it.
 */
export function keepRecent(limit: number, f: (text: string) => string): (text: string) => string {
  const kept = new Map<string, string>();
  return (text) => {
    const hit = kept.get(text);
    if (hit !== undefined) return hit;
    const out = f(text);
    if (kept.size >= limit) kept.delete(kept.keys().next().value!);
    kept.set(text, out);
    return out;
  };
}

const rendered = keepRecent(2000, render);

function render(source: string): string {
  const html = marked.parse(source) as string;
  return sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: { a: ['href', 'title', 'target', 'rel'], code: ['class'], th: ['align'], td: ['align'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesAppliedToAttributes: ['href'],
    allowProtocolRelative: false,
    transformTags: {
      // Absolute http(s)/mailto links only: a relative or scheme-less href is dropped, the text kept.
      a: (tagName, attribs) => {
        const href = attribs.href ?? '';
        const safe: Record<string, string> = /^(https?:|mailto:)/i.test(href) ? { href, target: '_blank', rel: 'noopener noreferrer nofollow' } : {};
        if (safe.href && attribs.title) safe.title = attribs.title;
        return { tagName, attribs: safe };
      },
    },
    disallowedTagsMode: 'escape',
  });
}
