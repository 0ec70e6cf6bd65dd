import { describe, expect, it } from 'vitest';
import { describeProgress, formatDuration, formatRate, fraction, isReembedding, reembedLabel, reembedReport } from './progress';
import type { IndexReport, Progress } from '../api/types';

const base: Progress = {
  phase: 'indexing', filesDone: 3, filesTotal: 10, failed: 0, chunks: 0,
  chunksPerSec: 0, etaSeconds: 0, current: '/home/ann/papers/tracemonkey.pdf',
};

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0 s'], [0.4, '0 s'], [45, '45 s'], [59.6, '1 min 00 s'], [65, '1 min 05 s'],
    [3599, '59 min 59 s'], [3600, '1 h 00 min'], [3725, '1 h 02 min'], [-1, ''], [NaN, ''], [Infinity, ''],
  ];
  for (const [in_, want] of cases) {
    it(`${in_} → ${JSON.stringify(want)}`, () => expect(formatDuration(in_)).toBe(want));
  }
});

describe('formatRate', () => {
  const cases: [number, string][] = [[0, ''], [-2, ''], [0.25, '0.25 chunks/s'], [3.44, '3.4 chunks/s'], [42.4, '42 chunks/s']];
  for (const [in_, want] of cases) {
    it(`${in_} → ${JSON.stringify(want)}`, () => expect(formatRate(in_)).toBe(want));
  }
});

describe('fraction', () => {
  it('is files done over total', () => expect(fraction(base)).toBeCloseTo(0.3));
  it('is 0 with no total', () => expect(fraction({ ...base, filesTotal: 0 })).toBe(0));
  it('is 1 when done', () => expect(fraction({ ...base, phase: 'done' })).toBe(1));
  it('is clamped', () => expect(fraction({ ...base, filesDone: 12 })).toBe(1));
});

describe('describeProgress', () => {
  it('reads files', () => {
    const v = describeProgress(base);
    expect(v.title).toBe('Reading files · 3 of 10 files');
    expect(v.current).toBe('tracemonkey.pdf');
    expect(v.speed).toBe('');
    expect(v.percent).toBe(30);
    expect(v.indeterminate).toBe(false);
  });
  it('shows speed and ETA while embedding', () => {
    const v = describeProgress({ ...base, phase: 'embedding', chunksPerSec: 42.4, etaSeconds: 65, failed: 2 });
    expect(v.title).toBe('Embedding · 3 of 10 files · 2 failed');
    expect(v.speed).toBe('42 chunks/s · about 1 min 05 s left');
  });
  it('shows pages and passages as files are read and embedded together', () => {
    const v = describeProgress({ ...base, pages: 41, chunks: 310, chunksPerSec: 28.1, etaSeconds: 130 });
    expect(v.title).toBe('Reading files · 3 of 10 files');
    expect(v.speed).toBe('41 pages · 310 passages embedded · 28 chunks/s · about 2 min 10 s left');
  });
  it('shows the OCR detail beside the file, as the CLI prints it', () => {
    const v = describeProgress({ ...base, detail: 'OCR page 3 of 40' });
    expect(v.current).toBe('tracemonkey.pdf');
    expect(v.detail).toBe('OCR page 3 of 40');
    expect(describeProgress(base).detail).toBe('');
    expect(describeProgress({ ...base, detail: 'OCR page 3 of 40', paused: true }).detail).toBe('');
    expect(describeProgress({ ...base, detail: 'OCR page 3 of 40', current: '' }).detail).toBe('');
    expect(describeProgress({ ...base, detail: 'OCR page 40 of 40', phase: 'done' }).detail).toBe('');
  });
  it('says paused, without a file or an ETA', () => {
    const v = describeProgress({ ...base, paused: true, etaSeconds: 130, pages: 1 });
    expect(v.title).toBe('Paused · 3 of 10 files');
    expect(v.current).toBe('');
    expect(v.speed).toBe('1 page');
  });
  it('is indeterminate while scanning', () => {
    const v = describeProgress({ ...base, phase: 'scanning', filesTotal: 0, filesDone: 0, current: '' });
    expect(v.title).toBe('Scanning');
    expect(v.indeterminate).toBe(true);
    expect(v.current).toBe('');
  });
  it('names unknown phases', () => expect(describeProgress({ ...base, phase: 'tidying' }).title).toMatch(/^Tidying/));
});

describe('re-embedding progress', () => {
  const p = (done: number, total: number, paused = false): Progress => ({
    phase: 're-embedding', filesDone: done, filesTotal: total, failed: 0, chunks: done, chunksPerSec: 0, etaSeconds: 0,
    current: 'bge-small-en', paused,
  });
  it('writes the counts as the Go side does, with thousands separators', () => {
    expect(reembedLabel('bge-small-en', 1234, 5000)).toBe('Re-embedding with bge-small-en: 1,234 of 5,000 passages');
    expect(reembedLabel('m', 0, 0)).toBe('Re-embedding with m: 0 of 0 passages');
    expect(reembedLabel('m', -3, 1e6)).toBe('Re-embedding with m: 0 of 1,000,000 passages');
  });
  it('is told apart from indexing', () => {
    expect(isReembedding(p(1, 2))).toBe(true);
    expect(isReembedding({ ...p(1, 2), phase: 'embedding' })).toBe(false);
    expect(isReembedding(null)).toBe(false);
  });
  it('describes a run by passages, says search keeps the current model, and shows a pause', () => {
    const v = describeProgress(p(1234, 5000));
    expect(v.title).toBe('Re-embedding with bge-small-en: 1,234 of 5,000 passages');
    expect(v.percent).toBe(25);
    expect(v.current).toBe('');
    expect(v.speed).toMatch(/current model/);
    expect(v.indeterminate).toBe(false);
    expect(describeProgress(p(1, 4, true)).title).toBe('Paused · Re-embedding with bge-small-en: 1 of 4 passages');
    expect(describeProgress(p(0, 0)).indeterminate).toBe(true);
  });
});

describe('reembedReport', () => {
  const r = (over: Partial<IndexReport>): IndexReport => ({
    files: 0, new: 0, changed: 0, unchanged: 0, failed: 0, skipped: 0, chunks_embedded: 1234, seconds: 65, reembedded: 'bge', ...over,
  });
  it('says what was done, what was kept, and how to go on', () => {
    expect(reembedReport(r({}))).toBe('Re-embedded 1,234 passages with bge in 1 min 05 s; search uses it now.');
    expect(reembedReport(r({ chunks_embedded: 1, seconds: 0 }))).toBe('Re-embedded 1 passage with bge; search uses it now.');
    expect(reembedReport(r({ canceled: true }))).toMatch(/^Re-embedding with bge stopped after 1,234 passages; search still uses the previous model\. .*resume/);
    expect(reembedReport(r({ errors: [{ path: '', reason: 'disk full' }] }))).toBe('Re-embedding with bge failed after 1,234 passages; search still uses the previous model.');
  });
});
