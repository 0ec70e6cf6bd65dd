import { describe, expect, it } from 'vitest';
import type { OCRLanguages } from '../api/types';
import { inUseLine, languageName, languageRows, toggleLanguage } from './ocr';

const info: OCRLanguages = {
  available: true,
  installed: ['deu', 'eng', 'fra', 'spa'],
  default: ['eng'],
  chosen: [],
  inUse: ['eng'],
};

describe('languageName', () => {
  it('names known packs and keeps unknown codes', () => {
    expect(languageName('deu')).toBe('German (deu)');
    expect(languageName('chi_sim')).toBe('Chinese (simplified) (chi_sim)');
    expect(languageName('xyz')).toBe('xyz');
  });
});

describe('languageRows', () => {
  it('lists every installed pack, ticks those in use, marks the default', () => {
    const rows = languageRows(info);
    expect(rows.map((r) => r.code)).toEqual(['deu', 'eng', 'fra', 'spa']);
    expect(rows.filter((r) => r.checked).map((r) => r.code)).toEqual(['eng']);
    expect(rows.find((r) => r.code === 'eng')).toMatchObject({ isDefault: true, locked: true });
    expect(rows.find((r) => r.code === 'deu')).toMatchObject({ isDefault: false, locked: false, checked: false });
  });
  it('is empty without Tesseract or before loading', () => {
    expect(languageRows(null)).toEqual([]);
    expect(languageRows({ ...info, available: false })).toEqual([]);
  });
});

describe('toggleLanguage', () => {
  it('adds and removes packs, in the installed order', () => {
    expect(toggleLanguage(info, 'deu', true)).toEqual(['deu', 'eng']);
    expect(toggleLanguage({ ...info, inUse: ['eng', 'fra'] }, 'eng', false)).toEqual(['fra']);
  });
  it('keeps the last pack and ignores packs not installed', () => {
    expect(toggleLanguage(info, 'eng', false)).toEqual(['eng']);
    expect(toggleLanguage(info, 'klingon', true)).toEqual(['eng']);
  });
});

describe('inUseLine', () => {
  it('joins the names of the packs in use', () => {
    expect(inUseLine({ ...info, inUse: ['eng', 'deu'] })).toBe('English + German');
    expect(inUseLine(null)).toBe('');
  });
});
