import { describe, expect, it } from 'vitest';
import { LOGO_CID, renderMailHtml } from '../../server/services/mail-html.js';
import { derivePalette } from '../../server/contracts/palette.js';

/** The HTML part of a mail (issue 15, point 6): escaped values, the footer, the logo by Content-ID only. */
const base = {
  firmName: 'Acme',
  subject: 'Hello',
  text: 'Line one\nstill one.\n\nSee https://portal.test/x?a=1&b=2.',
  palette: derivePalette('#7a1f5c', '#0f766e'),
  logo: null,
  footerHtml: '',
};

describe('renderMailHtml', () => {
  it('escapes every inserted value: firm name, subject, text and link', () => {
    const html = renderMailHtml({ ...base, firmName: '<img src=x onerror=alert(1)>', subject: '"><script>', text: 'Hi <b>there</b> & "you"' });
    expect(html).not.toMatch(/<img src=x|<script>|<b>/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('Hi &lt;b&gt;there&lt;/b&gt; &amp; &quot;you&quot;');
  });

  it('turns paragraphs into <p>, joins hand-wrapped lines, links URLs in the primary colour', () => {
    const html = renderMailHtml(base);
    expect(html).toContain('Line one still one.');
    // The full stop after the link is text, not part of it; & is escaped in the attribute.
    expect(html).toContain('<a href="https://portal.test/x?a=1&amp;b=2" style="color:#7a1f5c');
    expect(html).toContain('https://portal.test/x?a=1&amp;b=2</a>.');
  });

  it('shows the footer (sanitised HTML) and the logo only as cid:, at most 600 px wide', () => {
    const html = renderMailHtml({ ...base, logo: { width: 120, height: 48 }, footerHtml: '<p>Acme Ltd, 1 Road</p>' });
    expect(html).toContain('<p>Acme Ltd, 1 Road</p>');
    expect(html).toContain(`src="cid:${LOGO_CID}"`);
    expect(html).toContain('max-width:600px');
    expect(html).not.toMatch(/src="https?:/);
  });

  it('without a logo the firm name stands in the header, on the primary colour', () => {
    const html = renderMailHtml(base);
    expect(html).not.toContain('cid:');
    expect(html).toContain('background:#7a1f5c');
  });
});
