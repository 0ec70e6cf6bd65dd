// Formatting for Settings → Models and the generator's loading. Pure
// functions.
import type { ModelInfo, ModelLoad } from '../api/types';

/** Bytes as "850 KB", "98 MB", "1.2 GB" (powers of 1,000, as the Go side's figures). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '—';
  if (n < 1e6) return `${Math.max(1, Math.round(n / 1e3))} KB`;
  if (n < 1e9) return `${Math.round(n / 1e6)} MB`;
  return `${(n / 1e9).toFixed(n < 1e10 ? 1 : 0)} GB`;
}

/**
 * A fraction as a whole percentage for a progress line: never 100 % until
 * the fraction is 1 (a model 99.6 % loaded is not ready), clamped to 0–100.
 */
export function percent(fraction: number): number {
  if (!Number.isFinite(fraction) || fraction <= 0) return 0;
  if (fraction >= 1) return 100;
  return Math.min(99, Math.floor(fraction * 100));
}

/**
 * The loading state after event ev. Wails may deliver a burst of events
 * out of order, so within one question (the window resets the state to
 * null around each) the state only goes forward: an event below the
 * fraction already shown, or after the model was ready (1), is stale.
 */
export function nextLoad(prev: ModelLoad | null, ev: ModelLoad): ModelLoad {
  if (prev && prev.model === ev.model && (prev.fraction >= 1 || ev.fraction <= prev.fraction)) return prev;
  return ev;
}

/** The chat's line while the generator model loads: "Loading model… 45%", or "" when none is loading. */
export function loadLabel(l: ModelLoad | null | undefined): string {
  if (!l || l.fraction >= 1) return '';
  return `Loading model… ${percent(l.fraction)}%`;
}

/** An import's progress: "Copying SmolLM2.gguf… 45% (44 of 98 MB)". */
export function importLabel(file: string, done: number, total: number): string {
  const f = total > 0 ? done / total : 0;
  return `Copying ${file}… ${percent(f)}% (${formatBytes(done)} of ${formatBytes(total)})`;
}

const kindOrder = ['generator', 'embedding', 'reranker', 'reader'];

/** What a model kind is for, in the list's words. */
export function kindLabel(kind: string): string {
  switch (kind) {
    case 'generator':
      return 'Writes answers';
    case 'embedding':
      return 'Embedding (search by meaning)';
    case 'reranker':
      return 'Reranker';
    case 'reader':
      return 'QA reader (exact spans)';
  }
  return kind;
}

/** Models grouped by kind (generators first), by name within a kind; unknown kinds last. */
export function sortModels(ms: ModelInfo[] | null | undefined): ModelInfo[] {
  const rank = (k: string) => (kindOrder.includes(k) ? kindOrder.indexOf(k) : kindOrder.length);
  return [...(ms ?? [])].sort((a, b) => rank(a.kind) - rank(b.kind) || a.name.localeCompare(b.name));
}
