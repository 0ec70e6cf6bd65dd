import { describe, expect, it } from 'vitest';
import { clipContext, groupSegments, hasHighlight, isLineWrapped, markAnswer, normalizeSegments, reflow } from './segments';

describe('normalizeSegments', () => {
  it('merges runs, drops empties and unknown kinds become plain', () => {
    expect(normalizeSegments([
      { text: 'a', kind: 'plain' }, { text: 'b', kind: 'weird' }, { text: '', kind: 'highlight' },
      { text: 'c', kind: 'passage' }, { text: 'd', kind: 'passage' }, { text: 'e', kind: 'highlight' },
    ])).toEqual([{ text: 'ab', kind: 'plain' }, { text: 'cd', kind: 'passage' }, { text: 'e', kind: 'highlight' }]);
  });
  it('accepts null', () => expect(normalizeSegments(null)).toEqual([]));
});

describe('hasHighlight', () => {
  it('finds one', () => expect(hasHighlight([{ text: 'x', kind: 'highlight' }])).toBe(true));
  it('ignores blank', () => expect(hasHighlight([{ text: ' ', kind: 'highlight' }, { text: 'x', kind: 'plain' }])).toBe(false));
});

describe('clipContext', () => {
  it('clips long plain ends at word boundaries', () => {
    const long = 'word '.repeat(100);
    const got = clipContext([{ text: long, kind: 'plain' }, { text: 'P', kind: 'passage' }, { text: long, kind: 'plain' }], 20);
    expect(got[0].text.startsWith('…')).toBe(true);
    expect(got[0].text.length).toBeLessThanOrEqual(21);
    expect(got[2].text.endsWith('…')).toBe(true);
    expect(got[1].text).toBe('P');
  });
  it('leaves short text', () => {
    const s = [{ text: 'short', kind: 'plain' }];
    expect(clipContext(s)).toEqual(s);
  });
});

describe('reflow', () => {
  it('joins single newlines and keeps paragraph breaks, across segments', () => {
    const got = reflow([
      { text: 'one\ntwo\n', kind: 'plain' },
      { text: '\nthree\nfour', kind: 'highlight' },
      { text: '\n', kind: 'passage' },
    ]);
    expect(got).toEqual([
      { text: 'one two\n', kind: 'plain' },
      { text: '\nthree four', kind: 'highlight' },
      { text: ' ', kind: 'passage' },
    ]);
  });
  it('keeps lengths', () => {
    const segs = [{ text: 'a\nb\n\nc', kind: 'plain' }];
    expect(reflow(segs)[0].text).toHaveLength(segs[0].text.length);
  });
});

it('isLineWrapped', () => {
  expect(isLineWrapped('/x/a.PDF')).toBe(true);
  expect(isLineWrapped('pdf')).toBe(true);
  expect(isLineWrapped('/x/a.txt')).toBe(false);
});

describe('markAnswer', () => {
  const cit = [
    { text: 'Ctx. ', kind: 'plain' },
    { text: 'It was built in ', kind: 'highlight' },
    { text: '1887', kind: 'answer' },
    { text: ' on the rock.', kind: 'highlight' },
  ];
  it('marks the answer inside the matching highlight of the source', () => {
    const src = [
      { text: 'Before. ', kind: 'plain' },
      { text: 'It was built in 1887 on the rock.', kind: 'highlight' },
      { text: ' After 1887.', kind: 'passage' },
    ];
    expect(markAnswer(src, cit)).toEqual([
      { text: 'Before. ', kind: 'plain' },
      { text: 'It was built in ', kind: 'highlight' },
      { text: '1887', kind: 'answer' },
      { text: ' on the rock.', kind: 'highlight' },
      { text: ' After 1887.', kind: 'passage' },
    ]);
  });
  it('falls back to the first highlight holding the answer', () => {
    const src = [{ text: 'Rebuilt in 1887.', kind: 'highlight' }];
    expect(markAnswer(src, cit)).toEqual([
      { text: 'Rebuilt in ', kind: 'highlight' },
      { text: '1887', kind: 'answer' },
      { text: '.', kind: 'highlight' },
    ]);
  });
  it('leaves the source alone without an answer or a place for it', () => {
    const src = [{ text: 'Nothing here.', kind: 'highlight' }];
    expect(markAnswer(src, cit)).toBe(src);
    expect(markAnswer(src, [{ text: 'x', kind: 'highlight' }])).toBe(src);
    expect(markAnswer(src, null)).toBe(src);
  });
});

describe('groupSegments', () => {
  it('puts a highlight and its answer in one group', () => {
    expect(
      groupSegments([
        { text: 'a', kind: 'plain' },
        { text: 'b', kind: 'highlight' },
        { text: 'c', kind: 'answer' },
        { text: 'd', kind: 'highlight' },
        { text: 'e', kind: 'passage' },
      ]),
    ).toEqual([
      { kind: 'plain', text: 'a' },
      { kind: 'highlight', parts: [{ text: 'b', kind: 'highlight' }, { text: 'c', kind: 'answer' }, { text: 'd', kind: 'highlight' }] },
      { kind: 'passage', text: 'e' },
    ]);
  });
});

describe('table cells', () => {
  const row: { text: string; kind: string }[] = [
    { text: 'Investing Activities\t\n', kind: 'passage' },
    { text: 'Capital spending — ', kind: 'highlight' },
    { text: '2021: (4,625)', kind: 'cell' },
    { text: '; 2020: (4,240); 2019: (4,232)\t', kind: 'highlight' },
    { text: '\nSales of property', kind: 'passage' },
  ];
  it('keeps the cell run', () => expect(normalizeSegments(row).map((s) => s.kind)).toEqual(['passage', 'highlight', 'cell', 'highlight', 'passage']));
  it('shows the row as one mark with the cell inside it', () => {
    const g = groupSegments(normalizeSegments(row));
    expect(g.map((x) => x.kind)).toEqual(['passage', 'highlight', 'passage']);
    const hl = g[1];
    expect(hl.kind === 'highlight' && hl.parts.map((p) => `${p.kind}:${p.text}`)).toEqual([
      'highlight:Capital spending — ', 'cell:2021: (4,625)', 'highlight:; 2020: (4,240); 2019: (4,232)\t',
    ]);
  });
  it('still places an exact answer beside a marked cell', () => {
    const cite = [{ text: 'Capital spending — 2021: ', kind: 'highlight' }, { text: '(4,625)', kind: 'answer' }, { text: '; 2020', kind: 'highlight' }];
    const out = markAnswer(normalizeSegments(row), cite);
    expect(out.map((s) => s.text).join('')).toBe(row.map((s) => s.text).join(''));
    expect(out.some((s) => s.kind === 'cell')).toBe(true);
  });
});
