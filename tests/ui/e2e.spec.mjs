// End-to-end test of Folio's UI against the live Go backend.
//
// Run through run-e2e.sh, which starts `wails dev` under Xvfb (UI + live Go
// bindings on http://localhost:34115). This script drives that page with
// Debian's chromium through playwright-core:
//   drop a folder (simulated with WailsInvoke 'DD:x:y:path', the message the
//   native window sends) → wait for indexing → ask → check the cited,
//   highlighted answer → open [1] in the source panel → screenshot.
//
// Usage: node e2e.spec.mjs --url URL --docs DIR --out DIR
// Exits 0 on success, 1 with a message on failure.
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(new URL('../../frontend/package.json', import.meta.url));
const { chromium } = require('playwright-core');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const url = arg('url', 'http://localhost:34115/');
const docs = arg('docs');
const out = arg('out', new URL('./out', import.meta.url).pathname);
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!docs) {
  console.error('e2e: --docs DIR is required');
  process.exit(2);
}
// Files named broken.* are expected to fail; the rest to be indexed.
const names = readdirSync(docs);
const fileCount = names.filter((n) => !n.startsWith('broken.')).length;
const failCount = names.length - fileCount;

const QUESTION = 'When was the Zephyr lighthouse built?';
const EXPECT = 'Zephyr lighthouse was built in 1887';

const t0 = Date.now();
const log = (msg) => console.log(`e2e [${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

let step = 'launch chromium';
let browser;
let page;
const problems = [];
// A hard limit, so a hung step cannot keep the test (and wails dev) alive.
const watchdog = setTimeout(() => fail(new Error('timed out after 6 minutes')), 6 * 60_000);
async function fail(err) {
  const msg = String(err?.message ?? err).split('\n').filter(Boolean).slice(0, 4).join('\n  ');
  console.error(`e2e: FAILED at step "${step}": ${msg}`);
  for (const p of problems) console.error(`  ${p}`);
  try {
    if (!page) throw new Error('no page');
    await page.screenshot({ path: join(out, 'e2e-failure.png'), fullPage: false });
    console.error(`  screenshot: ${join(out, 'e2e-failure.png')}`);
    const text = await page.locator('body').innerText({ timeout: 2000 });
    console.error(`  page text:\n${text.split('\n').map((l) => '    ' + l).join('\n')}`);
  } catch {
    // The page may be gone; nothing more to show.
  }
  await browser?.close().catch(() => {});
  process.exit(1);
}

try {
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage',
      '--disable-component-update', '--no-first-run',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });

  step = 'open the page';
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.waitForFunction(() => !!window.go?.main?.App && typeof window.WailsInvoke === 'function', null, { timeout: 60_000 });
  await page.getByTestId('library').waitFor({ timeout: 30_000 });
  await page.getByTestId('mode-banner').waitFor({ timeout: 30_000 });
  log(`page up; mode: ${(await page.getByTestId('mode-banner').innerText()).split('\n')[0]}`);

  step = 'question box has focus on load';
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
  if (focused !== 'question') throw new Error(`focused element is ${focused}, want question`);

  step = 'empty state explains dropping folders';
  const empty = await page.getByTestId('empty').innerText();
  if (!/drop folders/i.test(empty)) throw new Error(`empty state says: ${empty}`);

  step = 'page cancels dragover/drop and shows the drop overlay';
  const drag = await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['x'], 'x.txt', { type: 'text/plain' }));
    const fire = (type) => {
      const e = new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true });
      document.body.dispatchEvent(e);
      return e.defaultPrevented;
    };
    const enter = fire('dragenter');
    const over = fire('dragover');
    return { enter, over, overlay: !!document.querySelector('[data-testid=drop-overlay]') };
  });
  await page.getByTestId('drop-overlay').waitFor({ timeout: 5000 });
  const dropPrevented = await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['x'], 'x.txt', { type: 'text/plain' }));
    const e = new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true });
    document.body.dispatchEvent(e);
    return e.defaultPrevented;
  });
  if (!drag.over || !dropPrevented) throw new Error(`dragover prevented=${drag.over}, drop prevented=${dropPrevented}`);
  await page.getByTestId('drop-overlay').waitFor({ state: 'detached', timeout: 5000 });

  step = 'drop the folder (WailsInvoke DD)';
  await page.evaluate((p) => window.WailsInvoke('DD:10:10:' + p), docs);
  log(`dropped ${docs} (${fileCount} files)`);
  // Indexing a few files is quick; show the progress block if we catch it.
  try {
    await page.getByTestId('progress').waitFor({ timeout: 3000 });
    await page.waitForTimeout(300);
    const text = await page.getByTestId('progress').innerText();
    await page.screenshot({ path: join(out, 'e2e-progress.png') });
    log(`progress: ${text.replace(/\s+/g, ' ')}`);
  } catch {
    log('progress: indexing finished before it could be seen');
  }

  step = `library shows the folder with ${fileCount} indexed, ${failCount} failed`;
  const folder = page.locator(`[data-testid=folder][data-path="${docs}"]`);
  await folder.waitFor({ timeout: 60_000 });
  await page.waitForFunction(
    ([path, n, failed]) => {
      const el = [...document.querySelectorAll('[data-testid=folder]')].find((e) => e.getAttribute('data-path') === path);
      const counts = el?.querySelector('[data-testid=folder-counts]')?.textContent ?? '';
      const want = failed ? `${n} indexed · ${failed} failed` : `${n} indexed`;
      return counts.startsWith(want) && !document.querySelector('[data-testid=progress]');
    },
    [docs, fileCount, failCount],
    { timeout: 180_000, polling: 250 },
  );
  log(`indexed: ${await folder.getByTestId('folder-counts').innerText()}`);

  if (failCount) {
    step = 'failed files are listed with their reasons';
    await folder.locator('details.failures summary').click();
    const failures = await folder.getByTestId('failure').allInnerTexts();
    if (failures.length !== failCount || !failures[0].includes('broken.')) {
      throw new Error(`failure list: ${JSON.stringify(failures)}`);
    }
    log(`failure shown: ${failures[0].replace(/\s+/g, ' ')}`);
  }

  step = 'Ctrl+K focuses the question box';
  await page.getByTestId('library').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('Control+k');
  const focused2 = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
  if (focused2 !== 'question') throw new Error(`after Ctrl+K the focus is on ${focused2}`);

  step = 'ask a question (Enter submits)';
  await page.getByTestId('question').fill(QUESTION);
  await page.keyboard.press('Enter');
  const exchange = page.getByTestId('exchange').last();
  const answer = exchange.getByTestId('answer');
  await Promise.race([
    answer.waitFor({ timeout: 60_000 }),
    exchange.getByTestId('error').waitFor({ timeout: 60_000 }).then(async () => {
      throw new Error(`the answer is an error: ${await exchange.getByTestId('error').innerText()}`);
    }),
  ]);
  log(`answer: ${(await answer.locator('.statement').allInnerTexts()).join(' | ')}`);

  step = 'the answer cites [1]';
  await answer.getByTestId('cite-1').first().waitFor({ timeout: 5000 });
  const statements = (await answer.locator('.statement').allInnerTexts()).join('\n');
  if (!statements.includes(EXPECT)) throw new Error(`answer does not contain "${EXPECT}": ${statements}`);

  step = 'a citation highlight contains the expected words';
  const marks = await answer.locator('mark.hl').allInnerTexts();
  if (!marks.some((m) => m.includes(EXPECT))) throw new Error(`highlights ${JSON.stringify(marks)} lack "${EXPECT}"`);

  step = 'clicking [1] opens the source with the highlight';
  await answer.getByTestId('cite-1').first().click();
  const source = page.getByTestId('source');
  const srcMark = source.locator('mark.hl').first();
  await srcMark.waitFor({ timeout: 30_000 });
  const srcText = await srcMark.innerText();
  if (!srcText.includes(EXPECT)) throw new Error(`source highlight is "${srcText}", want it to contain "${EXPECT}"`);
  const srcPath = await source.getByTestId('source-path').innerText();
  if (!srcPath.endsWith('lighthouse.txt')) throw new Error(`source path is ${srcPath}`);
  if (!(await srcMark.isVisible())) throw new Error('source highlight is not visible');
  log(`source: ${srcPath}: "${srcText}"`);

  if (readdirSync(docs).some((f) => f.endsWith('.pdf'))) {
    step = 'a PDF citation opens its page ("page X of Y") with a highlight';
    await page.getByTestId('question').fill('Why does the inner tree forgive the outer loop blacklist counter?');
    await page.getByTestId('ask').click();
    const pdfAnswer = page.getByTestId('exchange').nth(1).getByTestId('answer');
    await pdfAnswer.waitFor({ timeout: 60_000 });
    const pdfCite = pdfAnswer.locator('[data-testid^=cite-]').first();
    await pdfCite.click();
    const pageLabel = source.getByTestId('source-page');
    await pageLabel.waitFor({ timeout: 30_000 });
    const label = await pageLabel.innerText();
    if (!/^page \d+ of \d+$/.test(label)) throw new Error(`page label is "${label}"`);
    await source.locator('mark.hl').first().waitFor({ timeout: 10_000 });
    log(`pdf source: ${await source.getByTestId('source-path').innerText()}, ${label}`);
    await page.screenshot({ path: join(out, 'e2e-pdf.png') });

    step = 'Escape closes the source panel';
    await page.keyboard.press('Escape');
    await source.getByTestId('source-page').waitFor({ state: 'detached', timeout: 5000 });
    await answer.getByTestId('cite-1').first().click();
    await source.locator('mark.hl').first().waitFor({ timeout: 30_000 });
  }

  step = 'screenshot';
  await page.screenshot({ path: join(out, 'e2e.png') });
  log(`screenshot ${join(out, 'e2e.png')}`);

  // Wails' own dev-mode ipc_websocket.js throws "reading 'nodes'" from its
  // reconnect overlay; report page errors without failing on them.
  if (problems.length) log(`warnings from the page:\n  ${problems.join('\n  ')}`);
} catch (err) {
  await fail(err);
}
clearTimeout(watchdog);
await browser.close();
log('PASS');
