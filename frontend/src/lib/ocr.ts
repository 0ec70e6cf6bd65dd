// Settings → OCR: names of Tesseract language packs and the choice of
// packs to read scans with. Pure functions.
import type { OCRLanguages } from '../api/types';

const NAMES: Record<string, string> = {
  eng: 'English', deu: 'German', fra: 'French', spa: 'Spanish', ita: 'Italian', por: 'Portuguese',
  nld: 'Dutch', dan: 'Danish', swe: 'Swedish', nor: 'Norwegian', fin: 'Finnish', pol: 'Polish',
  ces: 'Czech', slk: 'Slovak', hun: 'Hungarian', ron: 'Romanian', rus: 'Russian', ukr: 'Ukrainian',
  ell: 'Greek', tur: 'Turkish', ara: 'Arabic', heb: 'Hebrew', hin: 'Hindi', jpn: 'Japanese',
  kor: 'Korean', chi_sim: 'Chinese (simplified)', chi_tra: 'Chinese (traditional)', cat: 'Catalan',
};

/** "German (deu)" for a known pack, the pack's own name otherwise. */
export function languageName(code: string): string {
  const name = NAMES[code];
  return name ? `${name} (${code})` : code;
}

export interface LanguageRow {
  code: string;
  label: string;
  /** Read with now (the choice, or the default when nothing is chosen). */
  checked: boolean;
  /** Part of the default (English + the system's language). */
  isDefault: boolean;
  /** The last checked pack cannot be unticked: OCR needs one. */
  locked: boolean;
}

/** One row per installed pack, in the installed order. */
export function languageRows(info: OCRLanguages | null): LanguageRow[] {
  if (!info?.available) return [];
  const inUse = new Set(info.inUse ?? []);
  const def = new Set(info.default ?? []);
  return (info.installed ?? []).map((code) => ({
    code,
    label: languageName(code),
    checked: inUse.has(code),
    isDefault: def.has(code),
    locked: inUse.size === 1 && inUse.has(code),
  }));
}

/**
 * The packs to save after ticking (on) or unticking a pack: the packs in
 * use, in the installed order, with code added or removed. Unticking the
 * last one keeps it (OCR needs a language); a code not installed is ignored.
 */
export function toggleLanguage(info: OCRLanguages, code: string, on: boolean): string[] {
  const installed = info.installed ?? [];
  if (!installed.includes(code)) return [...(info.inUse ?? [])];
  const next = new Set(info.inUse ?? []);
  if (on) next.add(code);
  else if (next.size > 1) next.delete(code);
  return installed.filter((c) => next.has(c));
}

/** "English + German" for the packs in use, for the section's summary line. */
export function inUseLine(info: OCRLanguages | null): string {
  const list = info?.inUse ?? [];
  return list.map((c) => NAMES[c] ?? c).join(' + ');
}
