// Pure helpers for the Source panel: which view a format gets, location
// labels, the spreadsheet grid and PDF highlight geometry.
import type { PageMarks, PageOCR, Rect, Segment, Source } from '../api/types';
import { baseName } from './paths';

/** The two ways the Source panel shows a PDF page. */
export type SourceView = 'page' | 'text';

const SHEET_FORMATS = new Set(['xlsx', 'xlsm', 'xls', 'ods', 'csv', 'tsv']);

/** The lower-case extension of a path ("" when none). */
function ext(path: string): string {
  const m = /\.([A-Za-z0-9]+)$/.exec(path);
  return m ? m[1].toLowerCase() : '';
}

/** The format of a source: the backend's name, else the file's extension. */
export function formatOf(format: string | undefined, path: string): string {
  return (format || ext(path)).toLowerCase();
}

/** Whether the source is a PDF (rendered as its real page). */
export function isPdf(format: string | undefined, path: string): boolean {
  return formatOf(format, path) === 'pdf';
}

/** Whether the source is a spreadsheet or CSV (shown as a grid). */
export function isSheet(format: string | undefined, path: string): boolean {
  return SHEET_FORMATS.has(formatOf(format, path));
}

/**
 * How a source's body is drawn: a PDF page (when it has one and the person
 * did not pick Text, and it could be loaded), a grid for spreadsheets, or
 * the highlighted text.
 */
export function bodyKind(
  src: { format?: string; path: string; page?: number },
  view: SourceView,
  pdfFailed: boolean,
): 'page' | 'grid' | 'text' {
  if (isPdf(src.format, src.path) && (src.page ?? 0) > 0) {
    return view === 'page' && !pdfFailed ? 'page' : 'text';
  }
  return isSheet(src.format, src.path) ? 'grid' : 'text';
}

/**
 * The location line shown above a source: the backend's label, except when
 * it only restates the page ("page 3") that the page counter already shows.
 */
export function locationLine(location: string | undefined, page: number): string {
  const loc = (location ?? '').trim();
  if (!loc) return '';
  const m = /^page (\d+)$/i.exec(loc);
  if (m && page > 0 && Number(m[1]) === page) return '';
  return loc;
}

/**
 * The name a citation shows: its file's name, after the document's title
 * when the document states one ("Free Culture (freeculture.pdf)"). The
 * backend's title falls back to the file name without its extension; that
 * adds nothing, so the file name alone is shown then.
 */
export function citationName(c: { title?: string; path: string }): string {
  const file = baseName(c.path) || c.path;
  const title = (c.title ?? '').trim();
  const stem = file.replace(/\.[^.]*$/, '');
  return title && title !== stem && title !== file ? `${title} (${file})` : file;
}

/** The short "where" of a citation: its location label, else its page. */
export function citationPlace(c: { location?: string; page: number }): string {
  const loc = (c.location ?? '').trim();
  if (loc) return loc;
  return c.page > 0 ? `page ${c.page}` : '';
}

/** One cell of the grid: the runs of text it holds. */
export type Cell = Segment[];

/**
 * Splits runs of tab-separated lines (a sheet's rows as the backend
 * extracts them) into rows of cells, keeping each run's kind so
 * highlights stay inside their cells. A blank line (the backend's break
 * between sheets) becomes one empty row; blank lines at the ends are
 * dropped. Returns the rows and the widest row's cell count.
 */
export function gridRows(segs: Segment[]): { rows: Cell[][]; cols: number } {
  const rows: Cell[][] = [];
  let row: Cell[] = [[]];
  const endRow = () => {
    if (row.some((cell) => cell.some((s) => s.text.trim() !== ''))) rows.push(row);
    else if (rows.length > 0 && rows[rows.length - 1].length > 0) rows.push([]);
    row = [[]];
  };
  for (const s of segs) {
    // Split on newlines and tabs, keeping the separators.
    for (const piece of s.text.split(/(\r?\n|\t)/)) {
      if (piece === '\n' || piece === '\r\n') endRow();
      else if (piece === '\t') row.push([]);
      else if (piece) {
        const cell = row[row.length - 1];
        const last = cell[cell.length - 1];
        if (last && last.kind === s.kind) last.text += piece;
        else cell.push({ text: piece, kind: s.kind });
      }
    }
  }
  endRow();
  while (rows.length > 0 && rows[rows.length - 1].length === 0) rows.pop();
  return { rows, cols: rows.reduce((n, r) => Math.max(n, r.length), 0) };
}

/** Whether the text has any tab, i.e. a grid would line anything up. */
export function hasColumns(segs: Segment[]): boolean {
  return segs.some((s) => s.text.includes('\t'));
}

/** Returns r with x0 <= x1 and y0 <= y1. */
export function normRect(r: Rect): Rect {
  return { x0: Math.min(r.x0, r.x1), y0: Math.min(r.y0, r.y1), x1: Math.max(r.x0, r.x1), y1: Math.max(r.y0, r.y1) };
}

/**
 * Joins word boxes (PDF user space, in reading order) that sit side by side
 * on one line into a single band, so a highlighted sentence reads as one
 * stripe per line rather than a row of separate words. Boxes join when
 * they overlap vertically by at least half the smaller height and the gap
 * between them is under one line height.
 */
export function mergeLineRects(rects: Rect[] | null | undefined): Rect[] {
  const out: Rect[] = [];
  for (const raw of rects ?? []) {
    const r = normRect(raw);
    if (!(r.x1 > r.x0 && r.y1 > r.y0)) continue;
    const prev = out[out.length - 1];
    if (prev) {
      const overlap = Math.min(prev.y1, r.y1) - Math.max(prev.y0, r.y0);
      const h = Math.min(prev.y1 - prev.y0, r.y1 - r.y0);
      const gap = r.x0 - prev.x1;
      const lineH = Math.max(prev.y1 - prev.y0, r.y1 - r.y0);
      if (overlap >= h / 2 && gap <= lineH && r.x1 >= prev.x0) {
        out[out.length - 1] = {
          x0: Math.min(prev.x0, r.x0),
          y0: Math.min(prev.y0, r.y0),
          x1: Math.max(prev.x1, r.x1),
          y1: Math.max(prev.y1, r.y1),
        };
        continue;
      }
    }
    out.push(r);
  }
  return out;
}

/** A box in CSS pixels relative to the top left of the rendered page. */
export interface CssBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Turns the [x1, y1, x2, y2] that pdf.js' viewport.convertToViewportRectangle
 * returns (corners in any order once the page is rotated) into a CSS box,
 * padded by pad pixels on every side.
 */
export function cssBox(v: ArrayLike<number>, pad = 0): CssBox {
  const left = Math.min(v[0], v[2]) - pad;
  const top = Math.min(v[1], v[3]) - pad;
  return { left, top, width: Math.abs(v[2] - v[0]) + 2 * pad, height: Math.abs(v[3] - v[1]) + 2 * pad };
}

/** Zoom factors the − and + buttons step through (1 = fit the panel's width). */
export const ZOOMS = [0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3, 4];

/** The next zoom step from z in direction dir (+1 in, −1 out), clamped. */
export function stepZoom(z: number, dir: 1 | -1): number {
  if (dir > 0) return ZOOMS.find((s) => s > z + 1e-6) ?? ZOOMS[ZOOMS.length - 1];
  return [...ZOOMS].reverse().find((s) => s < z - 1e-6) ?? ZOOMS[0];
}

/**
 * The pdf.js scale that draws a page pageWidth points wide (at scale 1,
 * rotation applied) into avail CSS pixels, times zoom. Falls back to 1 when
 * either width is unknown.
 */
export function fitScale(pageWidth: number, avail: number, zoom = 1): number {
  if (!(pageWidth > 0) || !(avail > 0)) return zoom;
  return (avail / pageWidth) * zoom;
}

/**
 * The PDF pages a source shows, in order, with the rectangles to draw on
 * each: its own page, then the pages a span that crosses a page break runs
 * onto. Pages out of order or repeated are dropped.
 */
export function pdfMarks(src: Pick<Source, 'page' | 'pageBox' | 'rotate' | 'passage' | 'highlights' | 'cellRects' | 'more'> & Partial<Pick<Source, 'ocr'>>): PageMarks[] {
  if (!(src.page > 0)) return [];
  const out: PageMarks[] = [
    { page: src.page, box: src.pageBox, rotate: src.rotate, ocr: src.ocr, passage: src.passage, highlights: src.highlights, cell: src.cellRects },
  ];
  for (const m of src.more ?? []) {
    if (m.page > out[out.length - 1].page) out.push(m);
  }
  return out;
}

/**
 * The mark of a page read by OCR, "OCR, confidence 91%", or "" for a page
 * read from its text layer. The confidence is clamped to 0–100 and rounded.
 */
export function ocrMark(ocr: PageOCR | null | undefined): string {
  if (!ocr) return '';
  const n = Number(ocr.regions ?? 0);
  const what = n > 0 ? `OCR of ${n === 1 ? 'a picture' : `${n} pictures`}` : 'OCR';
  const c = Number(ocr.confidence);
  if (!Number.isFinite(c)) return what;
  return `${what}, confidence ${Math.round(Math.min(100, Math.max(0, c)))}%`;
}

/** The tooltip of an OCR mark: what it means and the languages read with. */
export function ocrTitle(ocr: PageOCR | null | undefined): string {
  if (!ocr) return '';
  const langs = (ocr.languages ?? []).filter(Boolean);
  const by = `OCR${langs.length ? ` (${langs.join(', ')})` : ''}`;
  if (Number(ocr.regions ?? 0) > 0) {
    return `This page's text is its own; the words in its pictures were read by ${by}, and a few may be misread.`;
  }
  return `This page is an image: its text was read by ${by}; a few words may be misread.`;
}
