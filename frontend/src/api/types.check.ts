// A compile-time check (run by `tsc --noEmit`) that the plain interfaces in
// types.ts name the same fields as the classes Wails generates from the Go
// types in wailsjs/go/models.ts. A field added to or renamed in a Go DTO
// then fails the type check until types.ts follows it.
import type { core, engine, main } from '../../wailsjs/go/models';
import type * as T from './types';

/** The data fields of a generated class (its convertValues helper left out). */
type Fields<C> = Exclude<{ [K in keyof C]: C[K] extends (...args: never[]) => unknown ? never : K }[keyof C], undefined>;
/** true only when A and B are the same set of names. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// Each line fails to compile when the two sides name different fields.
export const checked: true[] = [
  true as Same<Fields<core.Segment>, keyof T.Segment>,
  true as Same<Fields<core.Span>, keyof T.Span>,
  true as Same<Fields<core.Cell>, keyof T.Cell>,
  true as Same<Fields<core.Citation>, keyof T.Citation>,
  true as Same<Fields<core.Statement>, keyof T.Statement>,
  true as Same<Fields<core.Claim>, keyof T.Claim>,
  true as Same<Fields<core.Evidence>, keyof T.Evidence>,
  true as Same<Fields<core.Answer>, keyof T.Answer>,
  true as Same<Fields<core.Turn>, keyof T.Turn>,
  true as Same<Fields<core.Chat>, keyof T.Chat>,
  true as Same<Fields<core.Rect>, keyof T.Rect>,
  true as Same<Fields<core.PageOCR>, keyof T.PageOCR>,
  true as Same<Fields<engine.ChatSummary>, keyof T.ChatSummary>,
  true as Same<Fields<engine.FileState>, keyof T.FileState>,
  true as Same<Fields<engine.Filter>, keyof T.Filter>,
  true as Same<Fields<engine.Folder>, keyof T.Folder>,
  true as Same<Fields<engine.GeneratorSettings>, keyof T.GeneratorSettings>,
  true as Same<Fields<engine.Library>, keyof T.Library>,
  true as Same<Fields<engine.OCRLanguages>, keyof T.OCRLanguages>,
  true as Same<Fields<engine.PageMarks>, keyof T.PageMarks>,
  true as Same<Fields<engine.Source>, keyof T.Source>,
  true as Same<Fields<engine.Status>, keyof T.Status>,
  true as Same<Fields<main.ModelInfo>, keyof T.ModelInfo>,
  true as Same<Fields<main.ModelList>, keyof T.ModelList>,
];
