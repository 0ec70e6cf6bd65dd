// The only module that talks to Go. Everything else in the UI imports these
// typed wrappers instead of wailsjs/ so the bindings can be regenerated (or
// faked in tests) without touching components.
import * as App from '../../wailsjs/go/main/App';
import { EventsOn, OnFileDrop } from '../../wailsjs/runtime/runtime';
import type {
  Answer, AnswerDelta, Cell, Chat, ChatSummary, Filter, GeneratorSettings, IndexReport, Library, ModelImport, OCRLanguages, ModelList, ModelLoad, Progress,
  Source, Span, Status,
} from './types';

export * from './types';

/** Event names, matching the constants in app.go. */
export const EventProgress = 'library:progress';
export const EventIndexed = 'library:indexed';
export const EventAnswerDelta = 'answer:delta';
export const EventModelLoad = 'model:load';
export const EventModelImport = 'model:import';

/** Whether the Wails bindings are present (false in a plain browser tab). */
export function connected(): boolean {
  const w = window as unknown as { go?: { main?: { App?: unknown } } };
  return !!w.go?.main?.App;
}

export const api = {
  /** Whether the library is encrypted and not unlocked yet (every other call then fails). */
  locked: () => App.Locked(),
  /** Opens the encrypted library; rejects with "… wrong passphrase" when it is wrong. */
  unlock: (passphrase: string) => App.Unlock(passphrase),
  status: () => App.Status() as Promise<unknown> as Promise<Status>,
  library: () => App.Library() as Promise<unknown> as Promise<Library>,
  addPaths: (paths: string[]) => App.AddPaths(paths),
  /** Opens the native folder picker; resolves to "" when cancelled. */
  addFolder: () => App.AddFolder(),
  indexing: () => App.Indexing(),
  cancelIndexing: () => App.CancelIndexing(),
  pauseIndexing: () => App.PauseIndexing(),
  resumeIndexing: () => App.ResumeIndexing(),
  /** Reads files again even where they look unchanged (after fixing why they failed). */
  retry: (paths: string[]) => App.Retry(paths),
  /** Takes a folder the person added out of the library, with its passages. */
  removeFolder: (path: string) => App.RemoveFolder(path),
  ask: (question: string, filter: Filter = {}) => App.Ask(question, filter) as Promise<unknown> as Promise<Answer>,
  /**
   * Asks in a chat ("" starts one) and resolves to the whole chat, saved.
   * A generator's text arrives meanwhile as answer:delta events carrying
   * ticket (see onAnswerDelta).
   */
  askInChat: (chatId: string, question: string, filter: Filter, ticket: number) =>
    App.AskInChat(chatId, question, filter, ticket) as Promise<unknown> as Promise<Chat>,
  /** Stops the question being answered (askInChat then rejects). */
  cancelAsk: () => App.CancelAsk(),
  /** The saved chats, most recent first. */
  chats: () => App.Chats() as Promise<unknown> as Promise<ChatSummary[] | null>,
  /** A saved chat, every citation checked against the library as it is now. */
  chat: (id: string) => App.Chat(id) as Promise<unknown> as Promise<Chat>,
  renameChat: (id: string, title: string) => App.RenameChat(id, title),
  deleteChat: (id: string) => App.DeleteChat(id),
  /** The chat as Markdown, sources as footnotes. */
  exportChat: (id: string) => App.ExportChat(id),
  /** Asks where to save the chat as Markdown and writes it; "" when cancelled. */
  exportChatFile: (id: string) => App.ExportChatFile(id),
  generator: () => App.Generator() as Promise<unknown> as Promise<GeneratorSettings>,
  /** Saves the generator settings; refuses an address off this machine unless confirmedRemote. */
  setGenerator: (s: GeneratorSettings) => App.SetGenerator(s),
  /** The installed OCR language packs, the default and the library's choice. */
  ocrLanguages: () => App.OCRLanguages() as Promise<unknown> as Promise<OCRLanguages>,
  /** Saves the OCR language packs to read scans with (empty: the default). */
  setOCRLanguages: (langs: string[]) => App.SetOCRLanguages(langs),
  /** Tests a generator address: the models it serves. */
  generatorModels: (s: GeneratorSettings) => App.GeneratorModels(s) as Promise<string[] | null>,
  /** The page or text around a cited span; cell (null: none) is the citation's table cell, marked in it. */
  source: (path: string, span: Span, highlights: Span[], cell: Cell | null = null) =>
    App.Source(path, span, highlights, cell as Cell) as Promise<unknown> as Promise<Source>,
  /** Opens a library file in the system's default app, at page where the viewer allows it. */
  openOriginal: (path: string, page: number) => App.OpenOriginal(path, page),
  /** The installed models with their sizes on disk and in memory. */
  models: () => App.Models() as Promise<unknown> as Promise<ModelList>,
  /** Makes an installed generator the one that writes answers. */
  setActiveGenerator: (name: string) => App.SetActiveGenerator(name),
  /**
   * Makes an embedding model (installed or bundled) the one searches use:
   * the library is embedded again with it in the background (progress
   * events with phase "re-embedding"; cancelIndexing stops it, choosing it
   * again resumes).
   */
  setActiveEmbedder: (name: string) => App.SetActiveEmbedder(name),
  /** Turns the built-in generator on or off. */
  setGeneration: (on: boolean) => App.SetGeneration(on),
  /** Opens the native file dialog for a .gguf model and installs it; "" when cancelled, else what was done. */
  importModel: () => App.ImportModel(),
  /** Opens the native folder dialog for an embedding model and installs it; "" when cancelled. */
  importModelFolder: () => App.ImportModelFolder(),
  /** Installs the model file or folder at path (what the dialogs call). */
  importModelFile: (path: string) => App.ImportModelFile(path),
  /** Deletes an installed model ("generator" or "embedding"). */
  removeModel: (kind: string, name: string) => App.RemoveModel(kind, name),
};

/**
 * The URL from which the window reads a library file's original bytes. The
 * Go side (files.go) serves library files only, GET only.
 */
export function fileUrl(path: string): string {
  return `/folio-file?path=${encodeURIComponent(path)}`;
}

/** Subscribes to indexing progress; returns the unsubscribe function. */
export function onProgress(cb: (p: Progress) => void): () => void {
  return EventsOn(EventProgress, (p: Progress) => cb(p));
}

/** Subscribes to the end of an indexing run; returns the unsubscribe function. */
export function onIndexed(cb: (r: IndexReport) => void): () => void {
  return EventsOn(EventIndexed, (r: IndexReport) => cb(r));
}

/** Subscribes to pieces of generated answers; returns the unsubscribe function. */
export function onAnswerDelta(cb: (d: AnswerDelta) => void): () => void {
  return EventsOn(EventAnswerDelta, (d: AnswerDelta) => cb(d));
}

/** Subscribes to the generator model's loading; returns the unsubscribe function. */
export function onModelLoad(cb: (l: ModelLoad) => void): () => void {
  return EventsOn(EventModelLoad, (l: ModelLoad) => cb(l));
}

/** Subscribes to a model import's copying; returns the unsubscribe function. */
export function onModelImport(cb: (i: ModelImport) => void): () => void {
  return EventsOn(EventModelImport, (i: ModelImport) => cb(i));
}

/**
 * Registers the Wails file-drop listener. The Go side (runtime.OnFileDrop →
 * App.HandleDrop) adds the paths; cb only lets the UI react. Registering
 * also installs the runtime's own dragover/drop handlers, which Windows
 * needs to resolve file paths. Drops count only over elements whose CSS
 * has `--wails-drop-target: drop` (the app root sets it).
 */
export function onFileDrop(cb: (paths: string[]) => void): void {
  OnFileDrop((_x, _y, paths) => cb(paths), true);
}
