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
}

export interface Status {
  dataDir: string;
  model: string;
  mode: string; // "hybrid" | "keyword"
  docs: number;
  chunks: number;
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
  state: string; // "indexed" | "failed" | "skipped"
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
}

export interface Library {
  folders: Folder[] | null;
  files: FileState[] | null;
}

export interface Source {
  path: string;
  format: string;
  page: number;
  pages: number;
  segments: Segment[] | null;
}
