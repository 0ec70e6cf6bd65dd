// The PDF highlight check the browser tests share (e2e.spec.mjs,
// e2e-builtin.spec.mjs): where the highlight rectangles fall among the
// words pdf.js' own text layer puts on the rendered page.
import { join } from 'node:path';

/**
 * Checks the PDF highlight against the words pdf.js itself finds on the
 * rendered pages (independent of Folio's parser). Words come from the pdf.js
 * text layer: its text nodes, split at white space and <br>, each word's
 * client rect the union of DOM Range rects over its characters. The
 * highlighted sentences (hlTexts, from the chat's <mark class="hl">) are
 * found as word sequences among them, after NFKC, lower case, dropping
 * punctuation and joining words hyphenated at a line end. Then:
 *   (a) every .pdf-rect.hl overlaps some span word and every span word is
 *       overlapped by some .pdf-rect.hl;
 *   (b) no .pdf-rect.hl overlaps any other word.
 * A rect overlaps a word when their intersection covers more than 25% of
 * the word's area. Throws with the worst offender (a close-up saved as
 * out/e2e-pdf-offender.png); returns the counts.
 */
export async function checkPdfWords(page, hlTexts, out) {
  if (hlTexts.length === 0) throw new Error('the PDF citation has no highlighted sentence (mark.hl) in the chat');
  // Wait for every shown page to have its canvas and a finished text layer.
  await page.waitForFunction(() => {
    const wrap = document.querySelector('[data-testid=source] [data-testid=pdf-page][data-rendered=true]');
    const pages = wrap ? [...wrap.querySelectorAll('.pdf-page')] : [];
    return pages.length > 0 && pages.every((p) => p.querySelector('.textLayer .endOfContent') && p.querySelector('.textLayer span'));
  }, null, { timeout: 30_000 });
  await page.waitForTimeout(200); // the boxes and text layer are placed in the same frame; let layout settle
  const res = await page.evaluate((hlTexts) => {
    const norm = (w) => w.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
    const hyphenated = (w) => /[-\u00ad\u2010\u2011]$/.test(w) && norm(w) !== '';
    // Tokens for matching: a word ending in a hyphen joins the next one.
    const tokens = (words) => {
      const out = [];
      for (let i = 0; i < words.length; i++) {
        let t = norm(words[i]);
        const idx = [i];
        while (hyphenated(words[idx[idx.length - 1]]) && idx[idx.length - 1] + 1 < words.length) {
          const j = idx[idx.length - 1] + 1;
          t += norm(words[j]);
          idx.push(j);
        }
        i = idx[idx.length - 1];
        if (t) out.push({ t, idx });
      }
      return out;
    };
    // The words of the text layers, page by page, with their client rects.
    const words = [];
    for (const pg of document.querySelectorAll('[data-testid=source] .pdf-page')) {
      const layer = pg.querySelector('.textLayer');
      let cur = null;
      const end = () => {
        if (cur) words.push(cur);
        cur = null;
      };
      const walker = document.createTreeWalker(layer, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n.nodeType === Node.ELEMENT_NODE) {
          if (n.nodeName === 'BR') end();
          continue;
        }
        const s = n.textContent;
        for (let k = 0; k < s.length; k++) {
          if (/\s/.test(s[k])) {
            end();
            continue;
          }
          cur ??= { text: '', pieces: [], page: pg.dataset.page };
          cur.text += s[k];
          const last = cur.pieces[cur.pieces.length - 1];
          if (last && last.node === n && last.end === k) last.end = k + 1;
          else cur.pieces.push({ node: n, start: k, end: k + 1 });
        }
      }
      end();
    }
    for (const w of words) {
      let r = null;
      for (const p of w.pieces) {
        const range = document.createRange();
        range.setStart(p.node, p.start);
        range.setEnd(p.node, p.end);
        for (const b of range.getClientRects()) {
          if (b.width <= 0 || b.height <= 0) continue;
          r = r ? { l: Math.min(r.l, b.left), t: Math.min(r.t, b.top), r: Math.max(r.r, b.right), b: Math.max(r.b, b.bottom) } : { l: b.left, t: b.top, r: b.right, b: b.bottom };
        }
      }
      w.rect = r;
      delete w.pieces;
    }
    const pageTokens = tokens(words.map((w) => w.text));
    // The span: each highlighted sentence as a token sequence in the page's.
    const spanIdx = new Set();
    const missing = [];
    const hlRects = [...document.querySelectorAll('[data-testid=source] .pdf-rect.hl')].map((e) => {
      const b = e.getBoundingClientRect();
      return { l: b.left, t: b.top, r: b.right, b: b.bottom };
    });
    const frac = (w, h) => {
      if (!w.rect) return 0;
      const iw = Math.min(w.rect.r, h.r) - Math.max(w.rect.l, h.l);
      const ih = Math.min(w.rect.b, h.b) - Math.max(w.rect.t, h.t);
      const area = (w.rect.r - w.rect.l) * (w.rect.b - w.rect.t);
      return iw > 0 && ih > 0 && area > 0 ? (iw * ih) / area : 0;
    };
    for (const text of hlTexts) {
      const want = tokens(text.split(/\s+/).filter(Boolean)).map((x) => x.t);
      if (want.length === 0) continue;
      let best = null;
      for (let i = 0; i + want.length <= pageTokens.length; i++) {
        if (!want.every((t, j) => pageTokens[i + j].t === t)) continue;
        const idx = pageTokens.slice(i, i + want.length).flatMap((x) => x.idx);
        const covered = idx.filter((k) => hlRects.some((h) => frac(words[k], h) > 0.25)).length;
        if (!best || covered > best.covered) best = { idx, covered };
      }
      if (best) best.idx.forEach((k) => spanIdx.add(k));
      else missing.push(text);
    }
    if (missing.length) {
      return { error: `pdf.js' text layer has no word sequence matching the highlight ${JSON.stringify(missing[0].slice(0, 200))}; ` +
        `page words start: ${JSON.stringify(words.slice(0, 40).map((w) => w.text).join(' '))}` };
    }
    const span = [...spanIdx].sort((a, b) => a - b).map((k) => words[k]);
    const spanText = span.map((w) => w.text).join(' ');
    const label = (w) => `"${w.text}" (page ${w.page})`;
    // (a) each hl rect over some span word; each span word under some hl rect.
    for (const [i, h] of hlRects.entries()) {
      if (!span.some((w) => frac(w, h) > 0.25)) {
        return { error: `highlight rectangle ${i + 1} of ${hlRects.length} at ${JSON.stringify(h)} covers none of the span's words ("${spanText}")` };
      }
    }
    const bare = span.filter((w) => !hlRects.some((h) => frac(w, h) > 0.25));
    if (bare.length) return { error: `span word(s) ${bare.map(label).join(', ')} are under no highlight rectangle` };
    // (b) no hl rect over any other word.
    let worst = { f: 0, w: null };
    let others = 0;
    for (const [k, w] of words.entries()) {
      if (spanIdx.has(k) || !w.rect) continue;
      others++;
      for (const h of hlRects) {
        const f = frac(w, h);
        if (f > worst.f) worst = { f, w, h };
      }
    }
    const worstText = worst.w ? `${(worst.f * 100).toFixed(0)}% of ${label(worst.w)}` : 'none';
    if (worst.f > 0.25) {
      const r = (x) => `[${x.l.toFixed(1)}, ${x.t.toFixed(1)}, ${x.r.toFixed(1)}, ${x.b.toFixed(1)}]`;
      return { error: `a highlight rectangle covers ${worstText}, which is not in the span ("${spanText}"); ` +
        `word at ${r(worst.w.rect)}, rectangle at ${r(worst.h)}`, clip: worst.w.rect };
    }
    return { spanWords: span.length, hlRects: hlRects.length, otherWords: others, worst: worstText, spanText };
  }, hlTexts);
  if (res.error) {
    if (res.clip) {
      const { l, t, r, b } = res.clip;
      await page.screenshot({ path: join(out, 'e2e-pdf-offender.png'), clip: { x: Math.max(0, l - 120), y: Math.max(0, t - 40), width: 260, height: 90 } }).catch(() => {});
    }
    throw new Error(res.error);
  }
  if (res.hlRects === 0 || res.spanWords === 0) throw new Error(`nothing to check: ${JSON.stringify(res)}`);
  return res;
}
