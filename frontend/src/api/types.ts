// Types mirroring the Go DTOs (backend/core and backend/engine) as they
// arrive in JSON. The generated wailsjs/go/models.ts has the same shapes as
// classes; these plain interfaces are what the rest of the UI uses.

export type SegmentKind = 'plain' | 'passage' | 'highlight';

export interface Segment {
  text: string;
  kind: SegmentKind | string;
}

export interface Span {
  start: number;
  end: number;
}

export interface Citation {
  n: number;
  path: string;
  page: number;
  start: number;
  end: number;
  text: string;
  highlights?: Span[];
  score: number;
  segments?: Segment[];
  /** Where the span is, e.g. "page 3", "Sheet1!B4", "slide 2 · notes". */
  location?: string;
}

export interface Answer {
  question: string;
  answer: string;
  citations: Citation[] | null;
  mode: string;
}

export interface Progress {
  phase: string; // "scanning" | "indexing" | "embedding" | "done"
  filesDone: number;
  filesTotal: number;
  failed: number;
  chunks: number;
  chunksPerSec: number;
  etaSeconds: number;
  current: string;
  pages?: number; // pages read so far
  paused?: boolean;
}

export interface Status {
  dataDir: string;
  model: string;
  mode: string; // "hybrid" | "keyword"
  docs: number;
  chunks: number;
  vectors: number;
  rebuilding?: boolean; // the vector graph is being rebuilt; searches scan meanwhile
}

export interface FileError {
  path: string;
  reason: string;
}

export interface IndexReport {
  files: number;
  new: number;
  changed: number;
  unchanged: number;
  moved?: number; // renamed or moved: nothing re-read
  removed?: number; // gone from their folder, taken out of the library
  failed: number;
  skipped: number;
  chunks_embedded: number;
  seconds: number;
  errors?: FileError[] | null;
  canceled?: boolean;
}

export interface FileState {
  path: string;
  root: string;
  state: string; // "indexed" | "failed" | "skipped" | "pending"
  reason?: string;
  pages: number;
  chunks: number;
}

export interface Folder {
  path: string;
  files: number;
  indexed: number;
  failed: number;
  skipped: number;
  pending?: number; // found, not read or not embedded yet
}

/** Limits a question to part of the library; empty fields match everything. */
export interface Filter {
  folders?: string[];
  files?: string[];
  types?: string[]; // formats or extensions: "pdf", "docx", ".md"
}

export interface Library {
  folders: Folder[] | null;
  files: FileState[] | null;
}

/**
 * A rectangle in PDF user space (points, origin at the bottom left of the
 * page, before /Rotate), with x0 <= x1 and y0 <= y1.
 */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Source {
  path: string;
  format: string;
  page: number;
  pages: number;
  segments: Segment[] | null;
  /** Label of the span's location, e.g. "Methods › Sampling · ¶ 4"; may be empty. */
  location?: string;
  /** PDF only: the page's CropBox in user space. */
  pageBox?: Rect | null;
  /** PDF only: the page's /Rotate in degrees. */
  rotate?: number;
  /** PDF only: word boxes of the cited span on the page. */
  passage?: Rect[] | null;
  /** PDF only: word boxes of the best sentences within the span. */
  highlights?: Rect[] | null;
  /** PDF only: the following pages a span that crosses a page break runs onto. */
  more?: PageMarks[] | null;
}

/** The rectangles to draw on one PDF page (see Source). */
export interface PageMarks {
  page: number;
  /** The page's CropBox in user space. */
  box?: Rect | null;
  /** The page's /Rotate in degrees. */
  rotate?: number;
  passage?: Rect[] | null;
  highlights?: Rect[] | null;
}
