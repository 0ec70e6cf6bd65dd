// Types mirroring the Go DTOs (backend/core and backend/engine) as they
// arrive in JSON. The generated wailsjs/go/models.ts has the same shapes as
// classes; these plain interfaces are what the rest of the UI uses.

export type SegmentKind = 'plain' | 'passage' | 'highlight' | 'answer' | 'cell';

export interface Segment {
  text: string;
  kind: SegmentKind | string;
}

export interface Span {
  start: number;
  end: number;
}

/** A table cell inside a cited row (document offsets), e.g. "2021: (4,625)". */
export interface Cell {
  start: number;
  end: number;
  /** The cell as written, its column header and value. */
  label: string;
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
  /** The exact answer a QA model found inside the first highlight (document offsets). */
  answer?: Span | null;
  /** Set when the document no longer holds the passage where it was, saying what happened. */
  changed?: string;
  /** Names the cited document for a person (see core.Citation.Title). */
  title?: string;
  /** The table cell, inside a highlighted row, holding the figure asked for. */
  cell?: Cell | null;
}

/** One sentence of an extractive answer: a sentence of citation n. */
export interface Statement {
  text: string;
  n: number;
  start: number;
  end: number;
  /** The exact answer a QA model found in the sentence, if any. */
  answer?: string;
}

/** One sentence of a generated answer, checked against what it cites. */
export interface Claim {
  text: string;
  cites: number[] | null;
  /** Cited numbers that match no citation. */
  missing?: number[] | null;
  /** The markers the model wrote, when Folio's check moved the citation to the passage that supports the sentence. */
  recited?: number[] | null;
  supported: boolean;
  support: number;
  /** Per cited passage, the sentences that support the claim (document offsets). */
  evidence?: Evidence[];
}

/** The sentences of citation n that support a claim. */
export interface Evidence {
  n: number;
  spans: Span[];
}

export interface Answer {
  question: string;
  answer: string;
  citations: Citation[] | null;
  /** "hybrid", "keyword" or "generated". */
  mode: string;
  statements?: Statement[] | null;
  claims?: Claim[] | null;
  /** False when nothing in the library answers the question. */
  found?: boolean;
  /** Something about how the answer was made (a generator that failed). */
  notice?: string;
  /** The model that wrote a generated answer. */
  model?: string;
}

export interface Turn {
  question: string;
  /** What was searched: the question completed from the previous turn. */
  query?: string;
  answer: Answer;
  asked: string;
}

export interface Chat {
  id: string;
  title: string;
  created: string;
  updated: string;
  turns: Turn[] | null;
}

export interface ChatSummary {
  id: string;
  title: string;
  created: string;
  updated: string;
  turns: number;
}

/** A local OpenAI-compatible server that writes answers (off by default). */
/** Settings → OCR: Tesseract language packs ("eng", "deu"). Chosen empty means Default is in use. */
export interface OCRLanguages {
  /** False in a build without Tesseract; then every list is empty. */
  available: boolean;
  installed: string[] | null;
  default: string[] | null;
  chosen: string[] | null;
  inUse: string[] | null;
}

export interface GeneratorSettings {
  enabled: boolean;
  endpoint: string;
  model: string;
  /** The person agreed to send questions and passages to an address not on this machine. */
  confirmedRemote: boolean;
}

/** A piece of a generated answer to the question asked with ticket. */
export interface AnswerDelta {
  ticket: number;
  text: string;
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
  detail?: string; // what is being done in current, e.g. "OCR page 3 of 40"
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
  /** The embedding model the library is being re-embedded with; searches use model until it completes. */
  reembedding?: string;
  /** The built-in generator's model, when one is installed. */
  generator?: string;
  /** The library is encrypted with a passphrase. */
  encrypted: boolean;
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
  /** The model of a re-embedding run (chunks_embedded counts its passages); absent for indexing. */
  reembedded?: string;
}

export interface FileState {
  path: string;
  root: string;
  state: string; // "indexed" | "failed" | "skipped" | "pending"
  reason?: string;
  pages: number;
  chunks: number;
  ocrPages?: number; // pages read by OCR
  ocrConfidence?: number; // their mean confidence, 0 to 100
  ocrRegionPages?: number; // of those, pages that kept their text layer and had only their pictures read
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
  /** Set when the page was read by OCR (a scan, a photo, an image file). */
  ocr?: PageOCR | null;
  /** PDF only: word boxes of the cited span on the page. */
  passage?: Rect[] | null;
  /** PDF only: word boxes of the best sentences within the span. */
  highlights?: Rect[] | null;
  /** The citation's table cell, when one was given and lies in the span. */
  cell?: Cell | null;
  /** PDF only: the rectangle of the cell's value on the page. */
  cellRects?: Rect[] | null;
  /** PDF only: the following pages a span that crosses a page break runs onto. */
  more?: PageMarks[] | null;
}

/** How a page was read by OCR: mean word confidence (0–100) and language packs such as "eng". */
export interface PageOCR {
  confidence: number;
  languages?: string[] | null;
  /** The pictures read by OCR on a page that kept its text layer; absent when OCR read the whole page. */
  regions?: number;
}

/** The rectangles to draw on one PDF page (see Source). */
export interface PageMarks {
  page: number;
  /** The page's CropBox in user space. */
  box?: Rect | null;
  /** The page's /Rotate in degrees. */
  rotate?: number;
  /** Set when the page was read by OCR. */
  ocr?: PageOCR | null;
  passage?: Rect[] | null;
  highlights?: Rect[] | null;
  /** The table cell's value, inside a highlighted row. */
  cell?: Rect[] | null;
}

/** An installed model (Settings → Models); sizes in bytes. */
export interface ModelInfo {
  kind: string; // "generator" | "embedding" | "reranker" | "reader"
  name: string;
  path: string;
  diskBytes: number;
  /** The memory it needs loaded: weights (+ a generator's KV cache at Folio's context). */
  memoryBytes: number;
  active: boolean;
  /** An embedding model whose vectors searches use now (active: the one recorded for the next start). */
  inUse?: boolean;
  removable: boolean;
  /** It came with Folio (the package's read-only models folder); never removable. */
  bundled: boolean;
  detail: string;
}

export interface ModelList {
  models: ModelInfo[] | null;
  /** The built-in generator writes answers when a generator model is installed. */
  generation: boolean;
  /** This build carries the built-in generator. */
  builtIn: boolean;
  /** The generator model in use, "" when none. */
  generator: string;
  /** The context (tokens) the memory figures assume. */
  context: number;
  /** The embedding model the library is being re-embedded with, "" when none. */
  reembedding?: string;
}

/** The generator model loading (model:load events); fraction reaches 1 when ready. */
export interface ModelLoad {
  model: string;
  fraction: number;
}

/** A model file being copied into the library (model:import events). */
export interface ModelImport {
  file: string;
  done: number;
  total: number;
}
