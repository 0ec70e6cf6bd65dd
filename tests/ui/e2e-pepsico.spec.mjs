// Browser test of a real library: the FinanceBench development split's 50
// filings, indexed by keywords only (no model). Run through
// run-e2e-pepsico.sh, which starts `wails dev` under Xvfb on its own port.
//
// Waits for the 50 files (dropping the folder when the runner has not
// indexed it already), asks "What is the FY2021 capital
// expenditure amount for PepsiCo?" and checks:
//   - the first citation is PEPSICO_2021_10K.pdf, page 63 (the cash flow
//     statement);
//   - [1] opens that page in pdf.js with highlight rectangles over the
//     "Capital spending" row's words and no others (pdfwords.mjs, on the
//     words pdf.js puts on the page), and the 2021 cell's value outlined
//     (.pdf-rect.cell, labelled "2021: (4,625)") over the "(4,625)" of that
//     row, not over 2020's "(4,240)";
//   - the Text view marks the cell's characters (mark.cell).
// Saves tests/ui/out/e2e-pepsico.png (the window) and e2e-pepsico-zoom.png
// (the page at 150%).
//
// Usage: node e2e-pepsico.spec.mjs --url URL --docs DIR --out DIR
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkPdfWords } from './pdfwords.mjs';
import { arg, ask, failer, openFolio } from './browser.mjs';


const url = arg('url', 'http://localhost:34117/');
const docs = arg('docs');
const out = arg('out', new URL('./out', import.meta.url).pathname);
if (!docs) {
  console.error('e2e-pepsico: --docs DIR is required');
  process.exit(2);
}
const fileCount = readdirSync(docs).filter((n) => n.toLowerCase().endsWith('.pdf')).length;

const QUESTION = 'What is the FY2021 capital expenditure amount for PepsiCo?';
const FILE = 'PEPSICO_2021_10K.pdf';
const PAGE = 63;
const ROW = 'Capital spending';
const CELL = '2021: (4,625)';

const t0 = Date.now();
const log = (msg) => console.log(`e2e-pepsico [${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

let step = 'launch chromium';
let browser;
let page;
const watchdog = setTimeout(() => fail(new Error('timed out after 15 minutes')), 15 * 60_000);
const fail = failer('e2e-pepsico', out, () => ({ step, page, browser }), { textOf: '[data-testid=chat]', lines: 40 });

/**
 * The words of a highlighted sentence as they stand on a PDF page. A table
 * row statement ("Capital spending — 2021: (4,625); 2020: (4,240)") puts
 * the column headers beside each value, while the page has the label, the
 * values in a line and the headers over the columns: its pieces (label,
 * each header, each value) are found on the page one by one. Other
 * sentences are kept whole.
 */
function pagePieces(text) {
  const i = text.indexOf(' — ');
  if (i < 0) return [text];
  const out = [text.slice(0, i)];
  for (const cell of text.slice(i + 3).split('; ')) {
    const j = cell.lastIndexOf(': ');
    if (j > 0) out.push(cell.slice(0, j), cell.slice(j + 2));
    else out.push(cell);
  }
  return out.map((s) => s.trim()).filter(Boolean);
}

try {
  step = 'open the window';
  await openFolio(url, {
    width: 1400, height: 900, consoleErrors: false,
    onProblem: (m) => console.error(`e2e-pepsico: ${m}`),
    onLaunch: (b, p) => {
      browser = b;
      page = p;
    },
  });
  const mode = (await page.getByTestId('mode-banner').innerText({ timeout: 30_000 })).split('\n')[0];
  log(`page up; mode: ${mode}`);

  // run-e2e-pepsico.sh indexes the folder before the window opens; drop it
  // when it is not in the library yet.
  step = `the library holds the ${fileCount} filings`;
  const tIndex = Date.now();
  const folder = page.locator(`[data-testid=folder][data-path="${docs}"]`);
  const listed = await folder.waitFor({ timeout: 15_000 }).then(() => true, () => false);
  if (!listed) {
    log('dropping the folder');
    await page.evaluate((p) => window.WailsInvoke('DD:10:10:' + p), docs);
  }
  await folder.waitFor({ timeout: 60_000 });
  await page.waitForFunction(
    ([path, n]) => {
      const el = [...document.querySelectorAll('[data-testid=folder]')].find((e) => e.getAttribute('data-path') === path);
      const counts = el?.querySelector('[data-testid=folder-counts]')?.textContent ?? '';
      return counts.startsWith(`${n} indexed`) && !document.querySelector('[data-testid=progress]');
    },
    [docs, fileCount],
    { timeout: 12 * 60_000, polling: 1000 },
  );
  const indexSecs = (Date.now() - tIndex) / 1000;
  log(`library: ${await folder.getByTestId('folder-counts').innerText()} (after ${indexSecs.toFixed(0)} s)`);

  step = 'ask the question';
  const { answer } = await ask(page, QUESTION, 120_000);
  log(`answer: ${(await answer.locator('.statement').allInnerTexts()).join(' | ').slice(0, 300)}`);

  step = `the first citation is ${FILE}, page ${PAGE}`;
  const cite1 = answer.getByTestId('citation-1');
  await cite1.waitFor({ timeout: 5000 });
  const citePath = await cite1.locator('.citation-head').getAttribute('title');
  const place = await cite1.getByTestId('cite-location').innerText().catch(() => '');
  if (!citePath?.endsWith(`/${FILE}`) || !new RegExp(`\\bpage ${PAGE}\\b`).test(place)) {
    const all = await answer.locator('.citation-head').allInnerTexts();
    throw new Error(`[1] is ${citePath} ${place}; citations: ${JSON.stringify(all)}`);
  }
  log(`[1] ${FILE}${place}`);

  step = `[1]'s highlight holds the "${ROW}" row, with its 2021 cell marked`;
  const hlTexts = await cite1.locator('mark.hl').allInnerTexts();
  const rowText = hlTexts.find((t) => t.startsWith(`${ROW} — `));
  if (!rowText) throw new Error(`[1]'s highlights ${JSON.stringify(hlTexts)} hold no "${ROW} — …" row`);
  // An extracted answer marks the cell (mark.cell, "2021: (4,625)"); a
  // computed one marks its operand's value as the answer (mark.ans).
  const chatMarks = await cite1.locator('mark.hl mark.cell, mark.hl mark.ans').allInnerTexts();
  if (chatMarks.length !== 1 || !CELL.endsWith(chatMarks[0]) || chatMarks[0].length < 7) {
    throw new Error(`[1] marks ${JSON.stringify(chatMarks)} in its highlight, want the 2021 cell "${CELL}" or its value`);
  }

  step = `[1] opens page ${PAGE} in pdf.js`;
  await answer.getByTestId('cite-1').first().click();
  const source = page.getByTestId('source');
  await source.getByTestId('source-page').waitFor({ timeout: 30_000 });
  const pageLabel = await source.getByTestId('source-page').innerText();
  if (!pageLabel.startsWith(`page ${PAGE} of `)) throw new Error(`the source shows "${pageLabel}"`);
  await source.locator('[data-testid=pdf-page][data-rendered=true]').waitFor({ timeout: 60_000 }).catch(async (err) => {
    const note = await source.getByTestId('pdf-note').innerText().catch(() => '');
    throw new Error(note ? `the page was not drawn: ${note}` : err.message);
  });

  step = `the highlight rectangles cover the "${ROW}" row's words and no others (pdf.js text layer)`;
  const pieces = hlTexts.flatMap(pagePieces);
  const words = await checkPdfWords(page, pieces, out);
  log(`pdf words: ${words.spanWords} span words, ${words.hlRects} hl rects, ${words.otherWords} other words checked ` +
    `(worst other-word overlap ${words.worst}); span: "${words.spanText}"`);
  if (!/^Capital spending\b/.test(words.spanText) && !words.spanText.includes('Capital spending')) {
    throw new Error(`the highlighted words "${words.spanText}" lack "${ROW}"`);
  }

  step = `the 2021 cell is outlined: one .pdf-rect.cell labelled "${CELL}" over the row's (4,625), not its (4,240)`;
  const cell = await page.evaluate(([row, values]) => {
    // Where a word of the text layer lies: the union of its characters' rects.
    const layer = document.querySelector('[data-testid=source] .pdf-page .textLayer');
    const found = {};
    const walker = document.createTreeWalker(layer, NodeFilter.SHOW_TEXT);
    const rectOf = (node, start, end) => {
      const r = document.createRange();
      r.setStart(node, start);
      r.setEnd(node, end);
      const b = r.getBoundingClientRect();
      return { l: b.left, t: b.top, r: b.right, b: b.bottom };
    };
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      for (const w of [row, ...values]) {
        let at = -1;
        while ((at = n.textContent.indexOf(w, at + 1)) >= 0) (found[w] ??= []).push(rectOf(n, at, at + w.length));
      }
    }
    const els = [...document.querySelectorAll('[data-testid=source] .pdf-rect.cell')];
    return {
      found,
      cells: els.map((e) => {
        const b = e.getBoundingClientRect();
        return { label: e.getAttribute('aria-label'), role: e.getAttribute('role'), l: b.left, t: b.top, r: b.right, b: b.bottom,
          outline: getComputedStyle(e).outlineStyle };
      }),
    };
  }, [ROW, ['(4,625)', '(4,240)']]);
  if (cell.cells.length !== 1) throw new Error(`${cell.cells.length} cell rectangles drawn, want 1`);
  const c = cell.cells[0];
  if (c.label !== CELL || c.role !== 'img' || c.outline === 'none') throw new Error(`the cell rectangle is ${JSON.stringify(c)}`);
  const rowRect = (cell.found[ROW] ?? [])[0];
  if (!rowRect) throw new Error(`pdf.js' text layer has no "${ROW}"`);
  const mid = (r) => (r.t + r.b) / 2;
  const onRow = (r) => Math.abs(mid(r) - mid(rowRect)) < (rowRect.b - rowRect.t) * 0.6;
  const share = (w) => {
    const iw = Math.min(w.r, c.r) - Math.max(w.l, c.l);
    const ih = Math.min(w.b, c.b) - Math.max(w.t, c.t);
    return iw > 0 && ih > 0 ? (iw * ih) / ((w.r - w.l) * (w.b - w.t)) : 0;
  };
  const v2021 = (cell.found['(4,625)'] ?? []).find(onRow);
  const v2020 = (cell.found['(4,240)'] ?? []).find(onRow);
  if (!v2021 || !v2020) throw new Error(`the row's values are not on its line in pdf.js' text layer: ${JSON.stringify(cell.found)}`);
  if (share(v2021) < 0.75) throw new Error(`the cell rectangle covers ${(share(v2021) * 100).toFixed(0)}% of the row's (4,625)`);
  if (share(v2020) > 0) throw new Error(`the cell rectangle reaches the 2020 value (4,240)`);
  log(`cell: "${c.label}" over ${(share(v2021) * 100).toFixed(0)}% of (4,625) on the "${ROW}" line`);
  if (!(await source.getByTestId('source-location').innerText()).endsWith('column 2')) {
    throw new Error(`the source's location line "${await source.getByTestId('source-location').innerText()}" does not name the cell's column`);
  }
  // The window at 100% (the whole row in view), then the panel at 150%
  // with the cell in the middle.
  await source.locator('.pdf-rect.cell').evaluate((e) => e.scrollIntoView({ block: 'center' }));
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, 'e2e-pepsico.png') });
  const width0 = await source.locator('[data-testid=pdf-page] canvas').first().evaluate((e) => e.getBoundingClientRect().width);
  await source.getByTestId('zoom-in').click();
  await source.getByTestId('zoom-in').click();
  await page.waitForFunction((w) => {
    const c = document.querySelector('[data-testid=source] [data-testid=pdf-page][data-rendered=true] canvas');
    return c && c.getBoundingClientRect().width > w * 1.3;
  }, width0, { timeout: 20_000 });
  await source.locator('.pdf-rect.cell').evaluate((e) => e.scrollIntoView({ block: 'center', inline: 'center' }));
  await page.waitForTimeout(300);
  await source.getByTestId('source-body').screenshot({ path: join(out, 'e2e-pepsico-zoom.png') });
  log(`screenshots: ${join(out, 'e2e-pepsico.png')}, e2e-pepsico-zoom.png`);

  step = 'the Text view marks the cell';
  await source.getByTestId('view-text').click();
  const textCell = source.locator('mark.hl mark.cell');
  await textCell.first().waitFor({ timeout: 10_000 });
  const textCells = await textCell.allInnerTexts();
  if (textCells.length !== 1 || textCells[0] !== CELL) throw new Error(`the Text view marks ${JSON.stringify(textCells)}`);
  await source.getByTestId('view-page').click();

  clearTimeout(watchdog);
  await browser.close();
  log('PASS');
} catch (err) {
  await fail(err);
}
