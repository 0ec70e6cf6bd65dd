import { describe, expect, it } from 'vitest';
import type { Library } from '../api/types';
import { extensionOf, scopeOptions, toFilter, validScope, wholeLibrary } from './scope';

const lib: Library = {
  folders: [
    { path: '/docs/papers', files: 3, indexed: 2, failed: 1, skipped: 0 },
    { path: '/docs/notes', files: 1, indexed: 1, failed: 0, skipped: 0 },
  ],
  files: [
    { path: '/docs/papers/a.PDF', root: '/docs/papers', state: 'indexed', pages: 3, chunks: 9 },
    { path: '/docs/papers/b.docx', root: '/docs/papers', state: 'indexed', pages: 0, chunks: 2 },
    { path: '/docs/papers/c.xls', root: '/docs/papers', state: 'failed', reason: 'password-protected', pages: 0, chunks: 0 },
    { path: '/docs/notes/README', root: '/docs/notes', state: 'indexed', pages: 0, chunks: 1 },
    { path: '/docs/notes/x.pdf', root: '/docs/notes', state: 'indexed', pages: 1, chunks: 1 },
  ],
};

describe('scope', () => {
  it('reads extensions', () => {
    expect(extensionOf('/a/b.tar.GZ')).toBe('gz');
    expect(extensionOf('C:\\x\\y.Md')).toBe('md');
    expect(extensionOf('/a.b/README')).toBe('');
    expect(extensionOf('/a/.hidden')).toBe('');
  });

  it('offers the folders and the types of indexed files', () => {
    expect(scopeOptions(lib)).toEqual({ folders: ['/docs/papers', '/docs/notes'], types: ['docx', 'pdf'] });
    expect(scopeOptions(null)).toEqual({ folders: [], types: [] });
  });

  it('drops a folder or type that left the library', () => {
    expect(validScope({ folder: '/docs/notes', type: 'xls' }, lib)).toEqual({ folder: '/docs/notes', type: '' });
    expect(validScope({ folder: '/gone', type: 'pdf' }, lib)).toEqual({ folder: '', type: 'pdf' });
  });

  it('turns a scope into a filter', () => {
    expect(toFilter(wholeLibrary)).toEqual({});
    expect(toFilter({ folder: '/docs/notes', type: 'pdf' })).toEqual({ folders: ['/docs/notes'], types: ['pdf'] });
  });
});
