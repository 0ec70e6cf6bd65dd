// Path helpers for display. Paths come from Go as absolute OS paths.

/** The last element of a path ("/a/b/c.pdf" → "c.pdf"), for / and \ separators. */
export function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return i >= 0 ? trimmed.slice(i + 1) : trimmed;
}

/** The path without its last element ("/a/b/c.pdf" → "/a/b"). */
export function dirName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return i > 0 ? trimmed.slice(0, i) : i === 0 ? trimmed.slice(0, 1) : '';
}

/** A path relative to root when it lies inside it, else the path unchanged. */
export function relativeTo(path: string, root: string): string {
  if (!root) return path;
  const r = root.replace(/[\\/]+$/, '');
  if (path.startsWith(r) && (path[r.length] === '/' || path[r.length] === '\\')) {
    return path.slice(r.length + 1);
  }
  return path;
}
