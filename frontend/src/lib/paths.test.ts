import { describe, expect, it } from 'vitest';
import { baseName, dirName, relativeTo } from './paths';

describe('paths', () => {
  const cases: [string, string, string][] = [
    ['/a/b/c.pdf', 'c.pdf', '/a/b'],
    ['/a/b/', 'b', '/a'],
    ['C:\\docs\\x.docx', 'x.docx', 'C:\\docs'],
    ['file.txt', 'file.txt', ''],
    ['/file.txt', 'file.txt', '/'],
  ];
  for (const [p, base, dir] of cases) {
    it(p, () => {
      expect(baseName(p)).toBe(base);
      expect(dirName(p)).toBe(dir);
    });
  }
  it('relativeTo', () => {
    expect(relativeTo('/a/b/c.pdf', '/a')).toBe('b/c.pdf');
    expect(relativeTo('/a/b/c.pdf', '/a/')).toBe('b/c.pdf');
    expect(relativeTo('/ab/c.pdf', '/a')).toBe('/ab/c.pdf');
    expect(relativeTo('/a/b', '')).toBe('/a/b');
  });
});
