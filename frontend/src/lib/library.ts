// Shapes the Library DTO for the library panel.
import type { FileState, Folder, Library } from '../api/types';

export interface FolderView extends Folder {
  /** Files of this folder that failed, with reasons. */
  failures: FileState[];
  /** Files of this folder Folio does not read (unsupported, too large), with reasons. */
  skips: FileState[];
}

/** Folders sorted by path, each with its failed and its skipped files. */
export function folderViews(lib: Library | null | undefined): FolderView[] {
  const files = lib?.files ?? [];
  const byState = (state: string) => {
    const byRoot = new Map<string, FileState[]>();
    for (const f of files) {
      if (f.state !== state) continue;
      const list = byRoot.get(f.root) ?? [];
      list.push(f);
      byRoot.set(f.root, list);
    }
    return (root: string) => (byRoot.get(root) ?? []).sort((a, b) => a.path.localeCompare(b.path));
  };
  const failed = byState('failed');
  const skipped = byState('skipped');
  return [...(lib?.folders ?? [])]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((f) => ({ ...f, failures: failed(f.path), skips: skipped(f.path) }));
}

/** "12 indexed · 2 pending · 1 failed · 3 skipped" (zero counts other than indexed left out). */
export function folderCounts(f: Folder): string {
  const parts = [`${f.indexed} indexed`];
  if (f.pending) parts.push(`${f.pending} pending`);
  if (f.failed) parts.push(`${f.failed} failed`);
  if (f.skipped) parts.push(`${f.skipped} skipped`);
  return parts.join(' · ');
}

/** Total failed files across the library. */
export function totalFailed(lib: Library | null | undefined): number {
  return (lib?.folders ?? []).reduce((n, f) => n + (f.failed || 0), 0);
}

/**
 * Shortens a failure reason for display: the backend wraps errors with the
 * file's path ("parse /a/b.pdf: file is corrupt…"), which the list already
 * shows, so keep what follows the last mention of the path.
 */
export function shortReason(reason: string | undefined, path: string): string {
  const r = (reason ?? '').trim();
  if (!r) return 'unknown error';
  const i = path ? r.lastIndexOf(path + ': ') : -1;
  return i >= 0 ? r.slice(i + path.length + 2) : r;
}
