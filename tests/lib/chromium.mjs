// The one place that says which Chromium runs and how: Debian's binary (never a downloaded one),
// headless, with everything that would reach the network or update itself turned off.
// Used by the Playwright tests, the WebDriver browser suite and the dispatch benchmark.

/** The browser binary: /usr/bin/chromium unless PLANWIRE_CHROMIUM says otherwise. */
export const CHROMIUM_PATH = process.env.PLANWIRE_CHROMIUM || '/usr/bin/chromium';

/** Command-line flags for a headless, offline, sandbox-less run. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
