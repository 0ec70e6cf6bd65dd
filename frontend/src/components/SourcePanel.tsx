import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type Segment, type Source } from '../api';
import { baseName } from '../lib/paths';
import { isLineWrapped, markAnswer, normalizeSegments, reflow } from '../lib/segments';
import { bodyKind, hasColumns, isPdf, locationLine, ocrMark, ocrTitle, pdfMarks, stepZoom, type SourceView } from '../lib/sourceview';
import { PdfPage } from './PdfPage';
import { Segments } from './Segments';
import { SheetGrid } from './SheetGrid';

export interface SourceState {
  n: number;
  path: string;
  loading: boolean;
  source?: Source;
  error?: string;
  /** What happened to the document since the answer, when it changed. */
  changed?: string;
  /** The citation's own runs: the exact answer in them is marked in the source too. */
  citeSegments?: Segment[];
}

export function SourcePanel({ state, onClose }: { state: SourceState | null; onClose: () => void }) {
  const bodyRef = useRef<HTMLDivElement>(null);
  // The person's choice of view and zoom stay from one citation to the next.
  const [view, setView] = useState<SourceView>('page');
  const [zoom, setZoom] = useState(1);
  // Why the current PDF page could not be drawn ("" while it can).
  const [pdfError, setPdfError] = useState('');
  const src = state?.source;
  useEffect(() => setPdfError(''), [src]);
  const marks = useMemo(() => (src ? pdfMarks(src) : []), [src]);
  // What happened when the person last asked to open the file ("" when nothing to say).
  const [opened, setOpened] = useState<{ error: boolean; text: string }>({ error: false, text: '' });
  useEffect(() => setOpened({ error: false, text: '' }), [state?.path]);
  const openOriginal = async (path: string, page: number) => {
    setOpened({ error: false, text: '' });
    try {
      await api.openOriginal(path, page);
      setOpened({ error: false, text: 'Opened in the default app.' });
    } catch (err) {
      setOpened({ error: true, text: `Could not open the file: ${err instanceof Error ? err.message : String(err)}` });
    }
  };

  const norm = markAnswer(normalizeSegments(src?.segments), state?.citeSegments);
  const segs = isLineWrapped(src?.format || state?.path || '') ? reflow(norm) : norm;
  const kind = src ? bodyKind(src, view, pdfError !== '') : 'text';
  const pdf = !!src && isPdf(src.format, src.path) && src.page > 0;

  // In the text views, bring the first highlight into view whenever a new
  // source loads (the page view scrolls to its own highlight).
  useEffect(() => {
    if (kind === 'page') return;
    const mark = bodyRef.current?.querySelector('mark.hl') ?? bodyRef.current?.querySelector('.seg-passage');
    if (mark) mark.scrollIntoView({ block: 'center' });
    else bodyRef.current?.scrollTo({ top: 0 });
  }, [src, kind]);

  // Ctrl/⌘ + and − zoom the page, Ctrl/⌘ 0 fits it to the panel again.
  useEffect(() => {
    if (kind !== 'page') return;
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      if (e.key === '+' || e.key === '=') setZoom((z) => stepZoom(z, 1));
      else if (e.key === '-' || e.key === '_') setZoom((z) => stepZoom(z, -1));
      else if (e.key === '0') setZoom(1);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [kind]);

  if (!state) {
    return (
      <aside class="panel source" data-testid="source" aria-label="Source">
        <header class="panel-head"><h2>Source</h2></header>
        <p class="muted small pad">Click a citation such as [1] to see the passage in its document, highlighted.</p>
      </aside>
    );
  }
  const path = src?.path || state.path;
  const where = src ? locationLine(src.location, src.pages > 0 ? src.page : 0) : '';
  return (
    <aside class="panel source" data-testid="source" aria-label="Source" aria-busy={state.loading}>
      <header class="panel-head">
        <h2 title={path}>
          <span class="cite-n">[{state.n}]</span> {baseName(path)}
        </h2>
        <div class="source-actions">
          <button
            type="button"
            class="btn btn-quiet"
            data-testid="open-original"
            title={src && src.page > 0 ? `Open in the default app (at page ${src.page} where the app allows)` : 'Open in the default app'}
            disabled={state.loading}
            onClick={() => void openOriginal(path, src?.page ?? 0)}
          >
            Open
          </button>
          <button class="btn btn-quiet" onClick={onClose} aria-label="Close source" title="Close (Esc)">✕</button>
        </div>
      </header>
      {opened.text && (
        <div class={`small pad-x ${opened.error ? 'error' : 'muted'}`} role={opened.error ? 'alert' : 'status'} data-testid="open-result">
          {opened.text}
        </div>
      )}
      <div class="source-meta small">
        <div class="source-path muted" data-testid="source-path" title={path}>
          <bdi>{path}</bdi>
        </div>
        {src && src.pages > 0 && (
          <div data-testid="source-page">
            page {src.page}
            {marks.length > 1 && `–${marks[marks.length - 1].page}`} of {src.pages}
            {ocrMark(src.ocr) && (
              <span class="source-ocr" data-testid="source-ocr" title={ocrTitle(src.ocr)}>
                {' · '}
                {ocrMark(src.ocr)}
              </span>
            )}
          </div>
        )}
        {src?.format && <span class="tag">{src.format}</span>}
        {state.changed && (
          <div class="badge-changed" data-testid="source-changed" role="note">
            {state.changed}
          </div>
        )}
        {where && (
          <div class="source-location" data-testid="source-location" title="Where the passage is">
            {where}
          </div>
        )}
        {pdf && (
          <div class="source-tools">
            <div class="toggle" role="group" aria-label="Show the source as">
              <button
                type="button"
                class="btn btn-quiet"
                data-testid="view-page"
                aria-pressed={kind === 'page'}
                disabled={pdfError !== ''}
                title={pdfError ? `The page cannot be drawn: ${pdfError}` : 'The real page, with the passage highlighted'}
                onClick={() => setView('page')}
              >
                Page
              </button>
              <button
                type="button"
                class="btn btn-quiet"
                data-testid="view-text"
                aria-pressed={kind === 'text'}
                title="The page's text, for reading and copying"
                onClick={() => setView('text')}
              >
                Text
              </button>
            </div>
            {kind === 'page' && (
              <div class="zoom" role="group" aria-label="Zoom">
                <button type="button" class="btn btn-quiet" data-testid="zoom-out" aria-label="Zoom out" title="Zoom out (Ctrl −)" onClick={() => setZoom((z) => stepZoom(z, -1))}>−</button>
                <button type="button" class="btn btn-quiet zoom-level" data-testid="zoom-fit" title="Fit the panel's width (Ctrl 0)" onClick={() => setZoom(1)}>
                  {Math.round(zoom * 100)}%
                </button>
                <button type="button" class="btn btn-quiet" data-testid="zoom-in" aria-label="Zoom in" title="Zoom in (Ctrl +)" onClick={() => setZoom((z) => stepZoom(z, 1))}>+</button>
              </div>
            )}
          </div>
        )}
      </div>
      <div class={`source-body${kind === 'page' ? ' as-page' : ''}`} ref={bodyRef} data-testid="source-body" tabIndex={0}>
        {state.loading && <p class="muted">Opening…</p>}
        {state.error && <div class="error" role="alert">{state.error}</div>}
        {pdf && pdfError && (
          <div class="note" role="status" data-testid="pdf-note">
            The page can’t be drawn ({pdfError}); showing its text instead.
          </div>
        )}
        {src && kind === 'page' && (
          <PdfPage key={src.path} path={src.path} pages={src.pages} marks={marks} zoom={zoom} cellLabel={src.cell?.label} onError={setPdfError} />
        )}
        {src && kind === 'grid' && hasColumns(segs) && <SheetGrid segments={segs} />}
        {src && kind === 'grid' && !hasColumns(segs) && <Segments segments={segs} />}
        {src && kind === 'text' && <Segments segments={segs} />}
      </div>
    </aside>
  );
}
