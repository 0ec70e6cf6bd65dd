// What every browser spec does first: read its flags, start Debian's
// chromium through playwright-core, and open Folio's window as `wails dev`
// serves it, waiting until the Go bindings and the library panel are there.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../frontend/package.json', import.meta.url));
const { chromium } = require('playwright-core');

/** The value after --name on the command line, or def. */
export function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

/**
 * Launches chromium (CHROMIUM, else /usr/bin/chromium) and opens url in a
 * page of the given size. Page errors, and console errors when consoleErrors
 * is set, go to onProblem. Returns { browser, page }; the caller closes the
 * browser. Resolves once window.go.main.App and the library panel exist.
 */
export async function openFolio(url, { width = 1280, height = 800, onProblem = () => {}, consoleErrors = true, onLaunch = () => {} } = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage',
      '--disable-component-update', '--no-first-run',
    ],
  });
  const page = await browser.newPage({ viewport: { width, height } });
  onLaunch(browser, page);
  page.on('pageerror', (e) => onProblem(`page error: ${e.message}`));
  if (consoleErrors) {
    page.on('console', (m) => {
      if (m.type() === 'error') onProblem(`console error: ${m.text()}`);
    });
  }
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForFunction(() => !!window.go?.main?.App && typeof window.WailsInvoke === 'function', null, { timeout: 60_000 });
  await page.getByTestId('library').waitFor({ timeout: 30_000 });
  return { browser, page };
}
