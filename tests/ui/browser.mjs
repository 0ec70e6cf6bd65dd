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

/**
 * Returns the spec's fail(err): it prints the step that failed (state().step),
 * the page problems collected (state().problems), saves NAME-failure.png in
 * out and prints the page's text (body, or the selector given), closes the
 * browser and exits 1. state is read at the time of failure.
 */
export function failer(name, out, state, { textOf = 'body', lines = Infinity } = {}) {
  return async function fail(err) {
    const { step, page, browser, problems = [] } = state();
    const msg = String(err?.message ?? err).split('\n').filter(Boolean).slice(0, 4).join('\n  ');
    console.error(`${name}: FAILED at step "${step}": ${msg}`);
    for (const p of problems) console.error(`  ${p}`);
    try {
      if (!page) throw new Error('no page');
      const shot = `${out}/${name}-failure.png`;
      await page.screenshot({ path: shot, fullPage: false });
      console.error(`  screenshot: ${shot}`);
      const text = await page.locator(textOf).innerText({ timeout: 2000 });
      console.error(`  page text:\n${text.split('\n').slice(0, lines).map((l) => '    ' + l).join('\n')}`);
    } catch {
      // The page may be gone; nothing more to show.
    }
    await browser?.close().catch(() => {});
    process.exit(1);
  };
}

/**
 * Types question into the question box and presses Enter, then waits up
 * to timeout ms for the answer of the new exchange; an error shown instead
 * is thrown. Returns { exchange, answer } (locators).
 */
export async function ask(page, question, timeout) {
  await page.getByTestId('question').fill(question);
  await page.keyboard.press('Enter');
  const exchange = page.getByTestId('exchange').last();
  const answer = exchange.getByTestId('answer');
  await Promise.race([
    answer.waitFor({ timeout }),
    exchange.getByTestId('error').waitFor({ timeout }).then(async () => {
      throw new Error(`the answer is an error: ${await exchange.getByTestId('error').innerText()}`);
    }),
  ]);
  return { exchange, answer };
}
