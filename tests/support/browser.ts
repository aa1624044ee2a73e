import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { ROOT, startTestApp, type TestApp } from './app.js';
import type { Agent } from './http.js';

/** Debian's Chromium (or CHROMIUM_PATH): browser downloads are impossible here, so we never try. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'tests', '.artifacts');

/** Launch headless Chromium; fails with one line saying how to install it when it is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // The machine has no network: background services would only fail their look-ups.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Where a test saves the screenshots people look at. */
export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

/**
 * Collect what must never happen on a page: script errors and CSP violations. HTTP error answers
 * a page expects (401 before sign-in, 404, 409 …) show as "Failed to load resource" and are not errors.
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Network failures the browser logs itself (a refused request, a socket that cannot connect while
  // a test holds the page offline) are not page errors: what the page shows about them is tested.
  const network = (t: string) => t.startsWith('Failed to load resource') || /^WebSocket connection to .* failed/.test(t);
  page.on('console', (m) => m.type() === 'error' && !network(m.text()) && errors.push(m.text()));
  return errors;
}

/** A browser context carrying an Agent's session cookie (sessions made by signIn; login has its own tests). */
export async function signedInContext(browser: Browser, url: string, agent: Agent, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const [name, value] = agent.cookie!.split('=') as [string, string];
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  await ctx.addCookies([{ name, value, url, httpOnly: true, sameSite: 'Lax' }]);
  return ctx;
}

/**
 * The usual browser-test file: one real app (fresh database) and one Chromium for the whole file,
 * started before its tests and stopped after them. Read `t.app` / `t.browser` inside tests.
 */
export function useBrowserApp(env: Record<string, string> = {}): { app: TestApp; browser: Browser } {
  const t = {} as { app: TestApp; browser: Browser };
  beforeAll(async () => {
    t.app = await startTestApp(env);
    t.browser = await launchBrowser();
  });
  afterAll(async () => {
    await t.browser?.close();
    await t.app?.close();
  });
  return t;
}

/**
 * Publish the open staff finding page's finding as staff do: "Publish to client", then the
 * server's consequence (who will be told) in the confirmation, then "Publish".
 */
export async function publishOnPage(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Publish to client' }).click();
  const asked = page.getByRole('alertdialog', { name: 'Publish this finding?' });
  await asked.getByText(/will be notified|No one is notified/).waitFor();
  await asked.getByRole('button', { name: 'Publish' }).click();
  await page.getByRole('button', { name: 'Unpublish' }).waitFor();
}
