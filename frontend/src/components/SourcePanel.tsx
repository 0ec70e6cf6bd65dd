import { useEffect, useRef } from 'preact/hooks';
import type { Source } from '../api';
import { baseName } from '../lib/paths';
import { isLineWrapped, normalizeSegments, reflow } from '../lib/segments';
import { Segments } from './Segments';

export interface SourceState {
  n: number;
  path: string;
  loading: boolean;
  source?: Source;
  error?: string;
}

export function SourcePanel({ state, onClose }: { state: SourceState | null; onClose: () => void }) {
  const bodyRef = useRef<HTMLDivElement>(null);
  const norm = normalizeSegments(state?.source?.segments);
  const segs = isLineWrapped(state?.source?.format || state?.path || '') ? reflow(norm) : norm;

  // Bring the first highlight into view whenever a new source loads.
  useEffect(() => {
    const mark = bodyRef.current?.querySelector('mark.hl') ?? bodyRef.current?.querySelector('.seg-passage');
    if (mark) mark.scrollIntoView({ block: 'center' });
    else bodyRef.current?.scrollTo({ top: 0 });
  }, [state?.source]);

  if (!state) {
    return (
      <aside class="panel source" data-testid="source" aria-label="Source">
        <header class="panel-head"><h2>Source</h2></header>
        <p class="muted small pad">Click a citation such as [1] to see the passage in its document, highlighted.</p>
      </aside>
    );
  }
  const src = state.source;
  const path = src?.path || state.path;
  return (
    <aside class="panel source" data-testid="source" aria-label="Source" aria-busy={state.loading}>
      <header class="panel-head">
        <h2 title={path}>
          <span class="cite-n">[{state.n}]</span> {baseName(path)}
        </h2>
        <button class="btn btn-quiet" onClick={onClose} aria-label="Close source" title="Close (Esc)">✕</button>
      </header>
      <div class="source-meta small">
        <div class="source-path muted" data-testid="source-path" title={path}>
          <bdi>{path}</bdi>
        </div>
        {src && src.pages > 0 && (
          <div data-testid="source-page">page {src.page} of {src.pages}</div>
        )}
        {src?.format && <span class="tag">{src.format}</span>}
      </div>
      <div class="source-body" ref={bodyRef} data-testid="source-body" tabIndex={0}>
        {state.loading && <p class="muted">Opening…</p>}
        {state.error && <div class="error" role="alert">{state.error}</div>}
        {src && <Segments segments={segs} />}
      </div>
    </aside>
  );
}
