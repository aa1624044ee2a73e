import type { Palette } from '../contracts/palette.js';

/**
 * The branded HTML part of every mail (issue 15, point 6): a table layout with inline styles, at
 * most 600 px wide, as mail clients need; the logo inline (cid:, never a remote URL), the primary
 * colour, the firm's footer. Every inserted value is escaped; the footer is the sanitiser's output.
 */

/** The Content-ID the logo attachment carries. */
export const LOGO_CID = 'brand-logo@debrief';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text made safe for an HTML element or a quoted attribute. */
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const URL_RE = /https?:\/\/[^\s<>"']+/g;

/** One paragraph of the text part as HTML: escaped, links made clickable, line breaks kept. */
function paragraph(text: string, link: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    const url = m[0].replace(/[.,;:!?)]+$/, '');
    out += escapeHtml(text.slice(last, m.index)) + `<a href="${escapeHtml(url)}" style="color:${link};word-break:break-all">${escapeHtml(url)}</a>`;
    last = m.index + url.length;
  }
  out += escapeHtml(text.slice(last));
  // Text mails wrap their lines by hand: within a paragraph a line break is a space, except before a list item.
  return `<p style="margin:0 0 16px;font-size:15px;line-height:1.55;color:#1a1f2b">${out.replace(/\n(?=\s*[-*•] )/g, '<br>').replace(/\n/g, ' ')}</p>`;
}

export interface MailHtmlInput {
  firmName: string;
  subject: string;
  /** The text part, turned into paragraphs (blank lines separate them). */
  text: string;
  palette: Palette;
  /** The inline logo's displayed size, or null to show the firm's name instead. */
  logo: { width: number; height: number } | null;
  /** The footer as sanitised HTML ('' = none). */
  footerHtml: string;
}

/** The whole HTML document of one mail. */
export function renderMailHtml(m: MailHtmlInput): string {
  const name = escapeHtml(m.firmName);
  const header = m.logo
    ? `<img src="cid:${LOGO_CID}" width="${m.logo.width}" height="${m.logo.height}" alt="${name}" style="display:block;border:0;height:${m.logo.height}px;width:${m.logo.width}px">`
    : `<span style="font-size:20px;font-weight:700;color:${m.palette.onBrand}">${name}</span>`;
  const headerBg = m.logo ? '#ffffff' : m.palette.brand;
  const body = m.text
    .trim()
    .split(/\n{2,}/)
    .map((p) => paragraph(p, m.palette.brand))
    .join('\n');
  const footer = m.footerHtml ? `<div style="margin-bottom:8px">${m.footerHtml}</div>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(m.subject)}</title></head>
<body style="margin:0;padding:0;background:#f6f7f9;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f6f7f9">
<tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background:#ffffff;border:1px solid #e2e5ea;border-radius:8px">
<tr><td style="padding:20px 28px;background:${headerBg};border-bottom:4px solid ${m.palette.brand};border-radius:8px 8px 0 0">${header}</td></tr>
<tr><td style="padding:28px">
${body}
</td></tr>
<tr><td style="padding:16px 28px;border-top:1px solid #e2e5ea;font-size:13px;line-height:1.5;color:#5b6474">${footer}<div>${name}</div></td></tr>
</table>
</td></tr>
</table>
</body></html>`;
}
