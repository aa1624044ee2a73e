import type { PublicBrandDTO } from '$contracts/brand';
import { getBrand } from '$lib/api/brand';

/**
 * The firm's brand as every page shows it: read once from the public endpoint, and again when the
 * server says it changed (`brand:updated`). The colours themselves come from /brand.css (linked in
 * app.html, right at first paint); a change swaps that stylesheet and the favicon in place.
 */
class Brand {
  current = $state<PublicBrandDTO | null>(null);
  /** The firm's name for titles and headers ('Debrief' until the brand is known). */
  name = $derived(this.current?.firmName ?? 'Debrief');
  private loading: Promise<void> | null = null;

  /** Read the brand (once; `refresh` reads it again). A failure keeps the default look. */
  load(): Promise<void> {
    this.loading ??= getBrand()
      .then((b) => void (this.current = b))
      .catch(() => undefined);
    return this.loading;
  }

  /** The brand changed on the server: new colours, favicon and logo without a reload. */
  async refresh(): Promise<void> {
    this.loading = null;
    await this.load();
    const stamp = Date.now().toString(36);
    const sheet = document.querySelector<HTMLLinkElement>('link[data-brand-css]');
    if (sheet) {
      // The new sheet loads before the old one goes, so the page never flashes the defaults.
      const next = sheet.cloneNode() as HTMLLinkElement;
      next.href = `/brand.css?v=${stamp}`;
      next.onload = () => sheet.remove();
      sheet.after(next);
    }
    const icon = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
    if (icon) icon.href = `/brand/favicon?v=${stamp}`;
  }
}

export const brand = new Brand();
