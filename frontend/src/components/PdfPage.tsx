import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist';
// Vite bundles the worker as its own file and gives its URL, so pdf.js runs
// offline inside the Wails webview.
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { fileUrl, type Rect } from '../api';
import { baseName } from '../lib/paths';
import { cssBox, fitScale, mergeLineRects, type CssBox } from '../lib/sourceview';

type PdfJs = typeof import('pdfjs-dist');

/** pdf.js is large; load it on the first PDF the person opens. */
let pdfjsLoad: Promise<PdfJs> | null = null;
function loadPdfJs(): Promise<PdfJs> {
  pdfjsLoad ??= import('pdfjs-dist').then(
    (m) => {
      m.GlobalWorkerOptions.workerSrc = workerUrl;
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

/** Canvases larger than this many pixels are drawn at a lower resolution. */
const MAX_CANVAS_PIXELS = 16_777_216;

interface Box {
  kind: 'passage' | 'hl';
  box: CssBox;
}

interface Props {
  path: string;
  page: number;
  /** The page count at indexing time; a different count means the file changed. */
  pages: number;
  passage?: Rect[] | null;
  highlights?: Rect[] | null;
  /** 1 fits the page to the panel's width. */
  zoom: number;
  onError: (reason: string) => void;
}

/**
 * Draws one page of a library PDF with pdf.js, fitted to the panel's width
 * times zoom, and lays the cited span's word boxes over it: the passage in
 * a light tint, the best sentences stronger. Scrolls the first highlight
 * into view. Calls onError when the page cannot be drawn.
 */
export function PdfPage({ path, page, pages, passage, highlights, zoom, onError }: Props) {
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [pdfPage, setPdfPage] = useState<PDFPageProxy | null>(null);
  const [width, setWidth] = useState(0);
  const [layout, setLayout] = useState<{ w: number; h: number; boxes: Box[] } | null>(null);
  const [drawn, setDrawn] = useState(false);
  const errRef = useRef(onError);
  errRef.current = onError;

  // Open the document and its page.
  useEffect(() => {
    let live = true;
    setPdfPage(null);
    setLayout(null);
    setDrawn(false);
    (async () => {
      const doc = await openPdf(path);
      if (pages > 0 && doc.numPages !== pages) {
        throw new Error(`the file has changed since it was indexed (${doc.numPages} pages now, ${pages} then)`);
      }
      if (page < 1 || page > doc.numPages) throw new Error(`the file has no page ${page}`);
      const p = await doc.getPage(page);
      if (live) setPdfPage(p);
    })().catch((err) => live && errRef.current(pdfErrorText(err)));
    return () => {
      live = false;
    };
  }, [path, page, pages]);

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

  // Draw the page and place the highlight boxes.
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!pdfPage || !canvas || width <= 0) return;
    let live = true;
    const vp = pdfPage.getViewport({ scale: fitScale(pdfPage.getViewport({ scale: 1 }).width, width, zoom) });
    let dpr = window.devicePixelRatio || 1;
    if (vp.width * vp.height * dpr * dpr > MAX_CANVAS_PIXELS) dpr = Math.sqrt(MAX_CANVAS_PIXELS / (vp.width * vp.height));
    canvas.width = Math.floor(vp.width * dpr);
    canvas.height = Math.floor(vp.height * dpr);
    canvas.style.width = `${Math.floor(vp.width)}px`;
    canvas.style.height = `${Math.floor(vp.height)}px`;
    const toBoxes = (rects: Rect[] | null | undefined, kind: Box['kind']): Box[] =>
      mergeLineRects(rects).map((r) => ({ kind, box: cssBox(vp.convertToViewportRectangle([r.x0, r.y0, r.x1, r.y1]), 1.5) }));
    setLayout({ w: Math.floor(vp.width), h: Math.floor(vp.height), boxes: [...toBoxes(passage, 'passage'), ...toBoxes(highlights, 'hl')] });
    setDrawn(false);
    const task = pdfPage.render({ canvas, viewport: vp, transform: dpr !== 1 ? [dpr, 0, 0, dpr, 0, 0] : undefined });
    task.promise.then(
      () => live && setDrawn(true),
      (err) => {
        if (live && (err as { name?: string })?.name !== 'RenderingCancelledException') errRef.current(pdfErrorText(err));
      },
    );
    return () => {
      live = false;
      task.cancel();
    };
  }, [pdfPage, width, zoom, passage, highlights]);

  // Bring the first highlight (else the passage) into view once placed.
  const placed = layout !== null;
  useEffect(() => {
    if (!placed) return;
    const el = wrapRef.current?.querySelector('.pdf-rect.hl') ?? wrapRef.current?.querySelector('.pdf-rect.passage');
    el?.scrollIntoView({ block: 'center', inline: 'nearest' });
  }, [placed, pdfPage, zoom]);

  return (
    <div class="pdf-wrap" ref={wrapRef} data-testid="pdf-page" data-rendered={drawn ? 'true' : 'false'}>
      {!drawn && <p class="muted pdf-loading">{pdfPage ? 'Drawing the page…' : 'Opening the PDF…'}</p>}
      <div class="pdf-page" style={layout ? { width: `${layout.w}px`, height: `${layout.h}px` } : { display: 'none' }}>
        <canvas ref={canvasRef} role="img" aria-label={`Page ${page} of ${baseName(path)}, with the cited passage highlighted`} />
        {layout?.boxes.map((b, i) => (
          <div
            key={i}
            class={`pdf-rect ${b.kind}`}
            data-testid={b.kind === 'hl' ? 'pdf-highlight' : 'pdf-passage'}
            aria-hidden="true"
            style={{ left: `${b.box.left}px`, top: `${b.box.top}px`, width: `${b.box.width}px`, height: `${b.box.height}px` }}
          />
        ))}
      </div>
    </div>
  );
}
