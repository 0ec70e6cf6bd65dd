// The scope of a question: the whole library, one of its folders, and/or one
// file type. It becomes the Filter the Go side applies to its search.
import type { Filter, Library } from '../api/types';

export interface Scope {
  folder: string; // "" = every folder
  type: string; // "" = every type; else an extension without the dot, lower case
}

export const wholeLibrary: Scope = { folder: '', type: '' };

/** The extension of a path, lower case, without the dot ("" when none). */
export function extensionOf(path: string): string {
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** The folders and the types of indexed files a question can be limited to. */
export function scopeOptions(lib: Library | null): { folders: string[]; types: string[] } {
  const folders = (lib?.folders ?? []).map((f) => f.path);
  const types = new Set<string>();
  for (const f of lib?.files ?? []) {
    const ext = extensionOf(f.path);
    if (f.state === 'indexed' && ext) types.add(ext);
  }
  return { folders, types: [...types].sort() };
}

/**
 * Keeps a scope valid when the library changes: a folder or type that is no
 * longer there falls back to "every".
 */
export function validScope(s: Scope, lib: Library | null): Scope {
  const o = scopeOptions(lib);
  return {
    folder: o.folders.includes(s.folder) ? s.folder : '',
    type: o.types.includes(s.type) ? s.type : '',
  };
}

/** The Filter for a scope (empty fields match everything). */
export function toFilter(s: Scope): Filter {
  const f: Filter = {};
  if (s.folder) f.folders = [s.folder];
  if (s.type) f.types = [s.type];
  return f;
}
