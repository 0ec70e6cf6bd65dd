// Formatting of indexing progress for the library panel. Pure functions.
import type { IndexReport, Progress } from '../api/types';
import { baseName } from './paths';

/** Formats a duration in seconds as "45 s", "3 min 05 s" or "1 h 02 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h} h ${String(m).padStart(2, '0')} min`;
}

/** Formats a throughput: "12 chunks/s", "3.4 chunks/s", "0.25 chunks/s". */
export function formatRate(perSec: number): string {
  if (!Number.isFinite(perSec) || perSec <= 0) return '';
  const digits = perSec >= 10 ? 0 : perSec >= 1 ? 1 : 2;
  return `${perSec.toFixed(digits)} chunks/s`;
}

/** The fraction of work done, in [0, 1]. */
export function fraction(p: Progress): number {
  if (p.phase === 'done') return 1;
  if (!p.filesTotal || p.filesTotal <= 0) return 0;
  return Math.min(1, Math.max(0, p.filesDone / p.filesTotal));
}

/** The count as the Go side writes it: "1,234". */
function count(n: number): string {
  return Math.max(0, Math.round(n)).toLocaleString('en-US');
}

/**
 * The line of a re-embedding run (phase "re-embedding": current is the
 * model, filesDone/filesTotal count passages):
 * "Re-embedding with all-MiniLM-L6-v2: 1,234 of 5,000 passages".
 */
export function reembedLabel(model: string, done: number, total: number): string {
  return `Re-embedding with ${model}: ${count(done)} of ${count(total)} passages`;
}

/**
 * The end of a re-embedding run, for the library panel: "Re-embedded 1,234
 * passages with m in 3 min 05 s." or, stopped, what was kept and how to go on.
 */
export function reembedReport(r: IndexReport): string {
  const model = r.reembedded ?? '';
  const n = `${count(r.chunks_embedded)} passage${r.chunks_embedded === 1 ? '' : 's'}`;
  if (r.canceled) return `Re-embedding with ${model} stopped after ${n}; search still uses the previous model. Choose "Use for search" again to resume.`;
  if ((r.errors ?? []).length > 0) return `Re-embedding with ${model} failed after ${n}; search still uses the previous model.`;
  const took = r.seconds > 0 ? ` in ${formatDuration(r.seconds)}` : '';
  return `Re-embedded ${n} with ${model}${took}; search uses it now.`;
}

/** Whether a progress event is a re-embedding run's. */
export function isReembedding(p: Progress | null | undefined): boolean {
  return !!p && p.phase === 're-embedding';
}

const phases: Record<string, string> = {
  scanning: 'Scanning',
  indexing: 'Reading files',
  embedding: 'Embedding',
  done: 'Done',
};

export interface ProgressView {
  /** "Reading files · 3 of 10 files" */
  title: string;
  /** The file being worked on, by base name ("" if none). */
  current: string;
  /** What is being done in that file when it takes a while, e.g. "OCR page 3 of 40" ("" if none). */
  detail: string;
  /** "42 chunks/s · about 1 min 05 s left" while embedding, else "". */
  speed: string;
  /** Percentage of files done, 0–100, for the progress bar. */
  percent: number;
  /** True when the total is not known yet (scanning). */
  indeterminate: boolean;
}

/** Describes a progress event for display. */
export function describeProgress(p: Progress): ProgressView {
  if (isReembedding(p)) {
    return {
      title: (p.paused ? 'Paused · ' : '') + reembedLabel(p.current, p.filesDone, p.filesTotal),
      current: '',
      detail: '',
      speed: 'Search uses the current model until every passage is embedded again.',
      percent: Math.round(fraction(p) * 100),
      indeterminate: p.filesTotal <= 0,
    };
  }
  const phase = p.paused ? 'Paused' : phases[p.phase] ?? (p.phase ? p.phase[0].toUpperCase() + p.phase.slice(1) : 'Working');
  const counts = p.filesTotal > 0 ? `${p.filesDone} of ${p.filesTotal} files` : '';
  const failed = p.failed > 0 ? `${p.failed} failed` : '';
  const title = [phase, counts, failed].filter(Boolean).join(' · ');
  const pages = p.pages ? `${p.pages} page${p.pages === 1 ? '' : 's'}` : '';
  const chunks = p.chunks > 0 ? `${p.chunks} passages embedded` : '';
  const rate = formatRate(p.chunksPerSec);
  const eta = p.etaSeconds > 0 && !p.paused ? `about ${formatDuration(p.etaSeconds)} left` : '';
  return {
    title,
    current: p.current && !p.paused ? baseName(p.current) : '',
    detail: p.current && !p.paused && p.phase !== 'done' ? (p.detail ?? '').trim() : '',
    speed: [pages, chunks, rate, eta].filter(Boolean).join(' · '),
    percent: Math.round(fraction(p) * 100),
    indeterminate: p.phase === 'scanning' || (p.filesTotal <= 0 && p.phase !== 'done'),
  };
}
