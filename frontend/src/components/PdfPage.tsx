import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist';
// Vite bundles the worker as its own file and gives its URL, so pdf.js runs
// offline inside the Wails webview.
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { fileUrl, type PageMarks, type Rect } from '../api';
import { baseName } from '../lib/paths';
import { cssBox, fitScale, mergeLineRects, ocrMark, ocrTitle, type CssBox } from '../lib/sourceview';

type PdfJs = typeof import('pdfjs-dist');
type TextContent = Awaited<ReturnType<PDFPageProxy['getTextContent']>>;

/** pdf.js is large; load it on the first PDF the person opens. */
let pdfjsLoad: Promise<PdfJs> | null = null;
/** The loaded module, once loadPdfJs has resolved (for TextLayer). */
let pdfjsMod: PdfJs | null = null;
function loadPdfJs(): Promise<PdfJs> {
  pdfjsLoad ??= import('pdfjs-dist').then(
    (m) => {
      m.GlobalWorkerOptions.workerSrc = workerUrl;
      pdfjsMod = m;
      return m;
    },
    (err) => {
      pdfjsLoad = null;
      throw err;
    },
  );
  return pdfjsLoad;
}

/** Where vite.config.ts puts pdf.js' CMaps, fonts, colour profiles and wasm. */
function pdfAsset(dir: string): string {
  return new URL(`pdfjs/${dir}/`, document.baseURI).href;
}

/** The most recently opened document, so citations in one PDF reuse it. */
let cached: { path: string; doc: Promise<PDFDocumentProxy> } | null = null;

/**
 * Opens a library PDF: reads its bytes from the Go side (GET /folio-file,
 * whose error text says why a file cannot be read) and parses them.
 */
function openPdf(path: string): Promise<PDFDocumentProxy> {
  if (cached?.path === path) return cached.doc;
  const old = cached;
  const doc = (async () => {
    const res = await fetch(fileUrl(path));
    if (!res.ok) {
      const why = (await res.text()).trim().replace(/^not found: /, '');
      throw new Error(why || `the file could not be read (HTTP ${res.status})`);
    }
    const data = new Uint8Array(await res.arrayBuffer());
    const pdfjs = await loadPdfJs();
    return pdfjs.getDocument({
      data,
      cMapUrl: pdfAsset('cmaps'),
      cMapPacked: true,
      standardFontDataUrl: pdfAsset('standard_fonts'),
      wasmUrl: pdfAsset('wasm'),
      iccUrl: pdfAsset('iccs'),
      useWorkerFetch: false,
      isEvalSupported: false,
      enableXfa: false,
    }).promise;
  })();
  cached = { path, doc };
  doc.catch(() => {
    if (cached?.doc === doc) cached = null;
  });
  old?.doc.then((d) => d.destroy()).catch(() => {});
  return doc;
}

/** A reason a PDF could not be drawn, for the fallback note. */
export function pdfErrorText(err: unknown): string {
  const e = err as { name?: string; message?: string } | null;
  switch (e?.name) {
    case 'PasswordException':
      return 'the PDF is password-protected';
    case 'InvalidPDFException':
      return 'the file is no longer a valid PDF (changed since it was indexed?)';
  }
  return e?.message || String(err);
}

/** Whether err is pdf.js cancelling work Folio no longer needs. */
function cancelled(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'RenderingCancelledException' || name === 'AbortException';
}

/** Canvases larger than this many pixels are drawn at a lower resolution. */
const MAX_CANVAS_PIXELS = 16_777_216;

interface Box {
  kind: 'passage' | 'hl' | 'cell';
  box: CssBox;
}

interface Props {
  path: string;
  /** The page count at indexing time; a different count means the file changed. */
  pages: number;
  /** The pages to show, in order, each with the rectangles to draw on it. */
  marks: PageMarks[];
  /** 1 fits the page to the panel's width. */
  zoom: number;
  /** The cited table cell as written ("2021: (4,625)"), the label of its box. */
  cellLabel?: string;
  onError: (reason: string) => void;
}

/**
 * Draws the cited page of a library PDF with pdf.js (and, when the span
 * runs over a page break, the following pages under it), fitted to the
 * panel's width times zoom. Each page gets a transparent pdf.js text layer,
 * so its text can be selected and copied, and the span's word boxes on top:
 * the passage in a light tint, the best sentences stronger, and the table
 * cell asked for (inside a highlighted row) outlined. Scrolls the
 * first highlight into view. Calls onError when a page cannot be drawn.
 */
export function PdfPage({ path, pages, marks, zoom, cellLabel, onError }: Props) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const [doc, setDoc] = useState<PDFDocumentProxy | null>(null);
  const [width, setWidth] = useState(0);
  // Per page number: whether its boxes are placed and its canvas drawn.
  const [placed, setPlaced] = useState<Record<number, boolean>>({});
  const [drawn, setDrawn] = useState<Record<number, boolean>>({});
  const errRef = useRef(onError);
  errRef.current = onError;
  const pageList = marks.map((m) => m.page).join(',');

  // Open the document and check the pages are there.
  useEffect(() => {
    // The component is keyed by path, so a new citation of the same file
    // keeps the document (and the pages already drawn) while checking.
    let live = true;
    (async () => {
      const d = await openPdf(path);
      if (pages > 0 && d.numPages !== pages) {
        throw new Error(`the file has changed since it was indexed (${d.numPages} pages now, ${pages} then)`);
      }
      const missing = marks.find((m) => m.page < 1 || m.page > d.numPages);
      if (missing) throw new Error(`the file has no page ${missing.page}`);
      if (live) setDoc(d);
    })().catch((err) => live && errRef.current(pdfErrorText(err)));
    return () => {
      live = false;
    };
    // marks only matter through their page numbers here.
  }, [path, pages, pageList]);

  // Track the width available for the page.
  useLayoutEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    let frame = 0;
    const measure = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => setWidth((w) => (Math.abs(w - el.clientWidth) > 1 ? el.clientWidth : w)));
    };
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      ro.disconnect();
    };
  }, []);

  // Bring the first highlight (else the passage) into view once every
  // page has its boxes, and again for a new citation or zoom. The pages
  // place their boxes in their own effects, so look on the next frame.
  const allPlaced = marks.length > 0 && marks.every((m) => placed[m.page]);
  useEffect(() => {
    if (!allPlaced) return;
    const frame = requestAnimationFrame(() => {
      const el = wrapRef.current?.querySelector('.pdf-rect.hl') ?? wrapRef.current?.querySelector('.pdf-rect.passage');
      el?.scrollIntoView({ block: 'center', inline: 'nearest' });
    });
    return () => cancelAnimationFrame(frame);
  }, [allPlaced, marks, zoom]);

  const allDrawn = marks.length > 0 && marks.every((m) => drawn[m.page]);
  const flag = (set: typeof setPlaced, page: number, v: boolean) => set((xs) => (xs[page] === v ? xs : { ...xs, [page]: v }));
  return (
    <div class="pdf-wrap" ref={wrapRef} data-testid="pdf-page" data-rendered={allDrawn ? 'true' : 'false'}>
      {!allDrawn && <p class="muted pdf-loading">{doc ? 'Drawing the page…' : 'Opening the PDF…'}</p>}
      {doc &&
        marks.map((m) => (
          <PdfSheet
            key={`${path}#${m.page}`}
            doc={doc}
            name={baseName(path)}
            marks={m}
            width={width}
            zoom={zoom}
            cellLabel={cellLabel}
            onPlaced={(v) => flag(setPlaced, m.page, v)}
            onDrawn={(v) => flag(setDrawn, m.page, v)}
            onError={(why) => errRef.current(why)}
          />
        ))}
    </div>
  );
}

interface SheetProps {
  doc: PDFDocumentProxy;
  name: string;
  marks: PageMarks;
  width: number;
  zoom: number;
  cellLabel?: string;
  onPlaced: (placed: boolean) => void;
  onDrawn: (drawn: boolean) => void;
  onError: (reason: string) => void;
}

/** One page: canvas, text layer and highlight boxes. */
function PdfSheet({ doc, name, marks, width, zoom, cellLabel, onPlaced, onDrawn, onError }: SheetProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const textRef = useRef<HTMLDivElement>(null);
  const [page, setPage] = useState<{ proxy: PDFPageProxy; text: TextContent | null } | null>(null);
  const [layout, setLayout] = useState<{ w: number; h: number; scale: number; boxes: Box[] } | null>(null);
  const cb = useRef({ onPlaced, onDrawn, onError });
  cb.current = { onPlaced, onDrawn, onError };

  // Load the page and its text (for the text layer; none is fine).
  useEffect(() => {
    let live = true;
    setPage(null);
    setLayout(null);
    (async () => {
      const proxy = await doc.getPage(marks.page);
      const text = await proxy.getTextContent().catch(() => null);
      if (live) setPage({ proxy, text });
    })().catch((err) => live && cb.current.onError(pdfErrorText(err)));
    return () => {
      live = false;
      cb.current.onPlaced(false);
      cb.current.onDrawn(false);
    };
  }, [doc, marks.page]);

  // Draw the page, lay the text layer over it and place the highlight boxes.
  useEffect(() => {
    const canvas = canvasRef.current;
    const textDiv = textRef.current;
    if (!page || !canvas || !textDiv || width <= 0) return;
    let live = true;
    const { proxy } = page;
    const vp = proxy.getViewport({ scale: fitScale(proxy.getViewport({ scale: 1 }).width, width, zoom) });
    let dpr = window.devicePixelRatio || 1;
    if (vp.width * vp.height * dpr * dpr > MAX_CANVAS_PIXELS) dpr = Math.sqrt(MAX_CANVAS_PIXELS / (vp.width * vp.height));
    canvas.width = Math.floor(vp.width * dpr);
    canvas.height = Math.floor(vp.height * dpr);
    canvas.style.width = `${vp.width}px`;
    canvas.style.height = `${vp.height}px`;
    // A little air around the words: 0.4 pt, so that even at small sizes a
    // band never reaches into the next word or line (at most 1.5 px).
    const pad = Math.min(1.5, 0.4 * vp.scale);
    const toBoxes = (rects: Rect[] | null | undefined, kind: Box['kind']): Box[] =>
      mergeLineRects(rects).map((r) => ({ kind, box: cssBox(vp.convertToViewportRectangle([r.x0, r.y0, r.x1, r.y1]), pad) }));
    setLayout({
      w: vp.width,
      h: vp.height,
      scale: vp.scale * (vp.userUnit || 1),
      boxes: [...toBoxes(marks.passage, 'passage'), ...toBoxes(marks.highlights, 'hl'), ...toBoxes(marks.cell, 'cell')],
    });
    cb.current.onPlaced(true);
    cb.current.onDrawn(false);
    const task = proxy.render({ canvas, viewport: vp, transform: dpr !== 1 ? [dpr, 0, 0, dpr, 0, 0] : undefined });
    task.promise.then(
      () => live && cb.current.onDrawn(true),
      (err) => {
        if (live && !cancelled(err)) cb.current.onError(pdfErrorText(err));
      },
    );
    // The text layer is built afresh at each size: pdf.js measures each
    // run's width at the scale it is laid out for.
    textDiv.replaceChildren();
    const TextLayer = pdfjsMod?.TextLayer;
    const layer = TextLayer && page.text ? new TextLayer({ textContentSource: page.text, container: textDiv, viewport: vp }) : null;
    layer?.render().then(
      () => {
        // As pdf.js' viewer does: a block after the text that, while the
        // mouse is down, covers the page so a drag into empty space keeps
        // selecting in reading order.
        const end = document.createElement('div');
        end.className = 'endOfContent';
        textDiv.append(end);
      },
      (err) => {
        if (!cancelled(err)) console.warn('folio: the PDF text layer failed:', err);
      },
    );
    const down = () => textDiv.classList.add('selecting');
    const up = () => textDiv.classList.remove('selecting');
    textDiv.addEventListener('mousedown', down);
    window.addEventListener('mouseup', up);
    return () => {
      live = false;
      task.cancel();
      layer?.cancel();
      textDiv.removeEventListener('mousedown', down);
      window.removeEventListener('mouseup', up);
    };
  }, [page, width, zoom, marks]);

  const style = layout
    ? {
        width: `${layout.w}px`,
        height: `${layout.h}px`,
        '--scale-factor': String(layout.scale),
        '--total-scale-factor': String(layout.scale),
      }
    : { display: 'none' };
  return (
    <div class="pdf-page" data-page={marks.page} data-ocr={marks.ocr ? ocrMark(marks.ocr) : undefined} title={marks.ocr ? ocrTitle(marks.ocr) : undefined} style={style}>
      <canvas ref={canvasRef} role="img" aria-label={`Page ${marks.page} of ${name}, with the cited passage highlighted`} />
      <div class="textLayer" ref={textRef} />
      {layout?.boxes.map((b, i) => {
        const style = { left: `${b.box.left}px`, top: `${b.box.top}px`, width: `${b.box.width}px`, height: `${b.box.height}px` };
        // The cell asked for is named for assistive technology; the bands
        // only repeat the page's text.
        return b.kind === 'cell' ? (
          <div key={i} class="pdf-rect cell" data-testid="pdf-cell" role="img" aria-label={cellLabel || 'The cell asked for'} title={cellLabel} style={style} />
        ) : (
          <div key={i} class={`pdf-rect ${b.kind}`} data-testid={b.kind === 'hl' ? 'pdf-highlight' : 'pdf-passage'} aria-hidden="true" style={style} />
        );
      })}
    </div>
  );
}
