import { describe, expect, it } from 'vitest';
import { folderCounts, folderViews, shortReason, totalFailed } from './library';

describe('folderViews', () => {
  it('sorts folders and attaches failures', () => {
    const got = folderViews({
      folders: [
        { path: '/z', files: 1, indexed: 1, failed: 0, skipped: 0 },
        { path: '/a', files: 3, indexed: 1, failed: 1, skipped: 1 },
      ],
      files: [
        { path: '/a/ok.txt', root: '/a', state: 'indexed', pages: 0, chunks: 2 },
        { path: '/a/bad.pdf', root: '/a', state: 'failed', reason: 'encrypted', pages: 0, chunks: 0 },
        { path: '/a/x.bin', root: '/a', state: 'skipped', reason: 'unsupported file type ".bin"', pages: 0, chunks: 0 },
      ],
    });
    expect(got.map((f) => f.path)).toEqual(['/a', '/z']);
    expect(got[0].failures.map((f) => f.reason)).toEqual(['encrypted']);
    expect(got[0].skips.map((f) => f.path)).toEqual(['/a/x.bin']);
    expect(got[1].failures).toEqual([]);
    expect(got[1].skips).toEqual([]);
  });
  it('accepts nulls', () => expect(folderViews({ folders: null, files: null })).toEqual([]));
});

it('folderCounts', () => {
  expect(folderCounts({ path: '/a', files: 5, indexed: 3, failed: 1, skipped: 1 })).toBe('3 indexed · 1 failed · 1 skipped');
  expect(folderCounts({ path: '/a', files: 7, indexed: 3, failed: 1, skipped: 1, pending: 2 })).toBe('3 indexed · 2 pending · 1 failed · 1 skipped');
  expect(folderCounts({ path: '/a', files: 0, indexed: 0, failed: 0, skipped: 0 })).toBe('0 indexed');
});

it('totalFailed', () => {
  expect(totalFailed({ folders: [{ path: '/a', files: 2, indexed: 0, failed: 2, skipped: 0 }], files: [] })).toBe(2);
  expect(totalFailed(null)).toBe(0);
});

it('shortReason', () => {
  const p = '/d/broken.pdf';
  expect(shortReason(`parse ${p}: file is corrupt: not a PDF`, p)).toBe('file is corrupt: not a PDF');
  expect(shortReason('encrypted', p)).toBe('encrypted');
  expect(shortReason('', p)).toBe('unknown error');
  expect(shortReason(undefined, p)).toBe('unknown error');
});
