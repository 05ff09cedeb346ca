// Debian's Chromium through playwright-core (never a downloaded browser), and page helpers.
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs';


/** Launches /usr/bin/chromium (override with PLANWIRE_CHROMIUM). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

/** Resolves once the element `[data-testid=id]` has exactly `text` (trimmed). */
export async function waitText(page, id, text, timeout = 15_000) {
  try {
    await page.waitForFunction(
      ([sel, want]) => document.querySelector(sel)?.textContent?.trim() === want,
      [`[data-testid="${id}"]`, String(text)],
      { timeout, polling: 'raf' },
    );
  } catch (e) {
    const now = await page.locator(`[data-testid="${id}"]`).first().textContent().catch(() => '(absent)');
    throw new Error(`waiting for ${id} = ${JSON.stringify(String(text))}; it is ${JSON.stringify(now)}: ${e.message}`);
  }
}

/** Resolves once `predicate(arg)` is truthy in the page. */
export async function waitUntil(page, predicate, arg, timeout = 15_000) {
  await page.waitForFunction(predicate, arg, { timeout, polling: 'raf' });
}

/** Collects the page's console errors and uncaught exceptions (for failure messages). */
export function recordErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  return errors;
}
