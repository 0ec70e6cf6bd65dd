import { describe, expect, it } from 'vitest';
import type { Claim } from '../api/types';
import { claimRecited, claimWarning, emphasize, markGenerated, markerNumbers, parseMarkers } from './generated';

const claim = (text: string, cites: number[], supported: boolean): Claim => ({ text, cites, supported, support: supported ? 0.9 : 0.1 });

describe('markerNumbers', () => {
  const cases: [string, number[]][] = [
    ['1', [1]],
    ['1, 2', [1, 2]],
    ['1;3', [1, 3]],
    ['2-4', [2, 3, 4]],
    ['2–3', [2, 3]],
    ['1, 1', [1]],
    ['1-100', Array.from({ length: 20 }, (_, i) => i + 1)],
  ];
  for (const [inner, want] of cases) it(inner, () => expect(markerNumbers(inner)).toEqual(want));
});

describe('parseMarkers', () => {
  it('keeps every marker and flags numbers with no source', () => {
    expect(parseMarkers('Built in 1887 [1]. Oil [ 9 ] and [1,2]', new Set([1, 2]))).toEqual([
      { kind: 'text', text: 'Built in 1887 ', claim: -1 },
      { kind: 'cite', n: 1, missing: false, claim: -1 },
      { kind: 'text', text: '. Oil ', claim: -1 },
      { kind: 'cite', n: 9, missing: true, claim: -1 },
      { kind: 'text', text: ' and ', claim: -1 },
      { kind: 'cite', n: 1, missing: false, claim: -1 },
      { kind: 'cite', n: 2, missing: false, claim: -1 },
    ]);
  });
  it('leaves a line without markers whole', () => {
    expect(parseMarkers('No markers [x] here', new Set())).toEqual([{ kind: 'text', text: 'No markers [x] here', claim: -1 }]);
  });
});

describe('markGenerated', () => {
  const known = new Set([1]);
  it('tags each sentence with its claim, markers with the claim before them', () => {
    const text = 'The tower was built in 1887 [1]. Pirates painted it purple [1].\n- Oil until 1921 [9].';
    const claims = [
      claim('The tower was built in 1887.', [1], true),
      claim('Pirates painted it purple.', [1], false),
      claim('Oil until 1921.', [9], false),
    ];
    const got = markGenerated(text, claims, known);
    expect(got).toHaveLength(2);
    const tagged = got.flat().filter((p) => p.kind === 'text' && p.claim >= 0).map((p) => [p.kind === 'text' && p.text, p.claim]);
    expect(tagged).toEqual([
      ['The tower was built in 1887', 0],
      ['Pirates painted it purple', 1],
      ['Oil until 1921', 2],
    ]);
    const cites = got.flat().filter((p) => p.kind === 'cite');
    expect(cites.map((c) => c.kind === 'cite' && [c.n, c.missing, c.claim])).toEqual([
      [1, false, 0],
      [1, false, 1],
      [9, true, 2],
    ]);
    // Nothing is lost: the pieces join back to the text, markers aside.
    expect(got.map((l) => l.map((p) => (p.kind === 'text' ? p.text : `[${p.n}]`)).join('')).join('\n')).toBe(text);
  });
  it('finds a claim whose markers sat inside the sentence', () => {
    const got = markGenerated('A rose [1] and a tulip bloom.', [claim('A rose and a tulip bloom.', [1], false)], known);
    expect(got[0].filter((p) => p.kind === 'text').map((p) => p.kind === 'text' && [p.text, p.claim])).toEqual([
      ['A rose ', 0],
      [' and a tulip bloom', 0],
      ['.', -1],
    ]);
  });
  it('skips a claim the text does not hold and keeps going', () => {
    const got = markGenerated('First fact here [1]. Second fact here [1].', [claim('Never written.', [1], false), claim('Second fact here.', [1], false)], known);
    const tagged = got[0].filter((p) => p.kind === 'text' && p.claim >= 0).map((p) => p.kind === 'text' && [p.text, p.claim]);
    expect(tagged).toEqual([['Second fact here', 1]]);
  });
  it('handles no claims (still streaming)', () => {
    expect(markGenerated('Partial answ', null, known)).toEqual([[{ kind: 'text', text: 'Partial answ', claim: -1 }]]);
  });
});

describe('claimWarning', () => {
  const known = new Set([1, 2]);
  const cases: [string, Claim, string][] = [
    ['supported', claim('x', [1], true), ''],
    ['unsupported', claim('x', [1, 2], false), '⚠ not supported by [1][2]'],
    ['only a missing source', claim('x', [9], false), '⚠ cites [9], which is not a source of this answer'],
    ['no marker', claim('x', [], false), '⚠ cites no source'],
  ];
  for (const [name, c, want] of cases) it(name, () => expect(claimWarning(c, known)).toBe(want));
});

describe('emphasize', () => {
  it('splits around the answer', () =>
    expect(emphasize('It was built in 1887 on the rock.', '1887')).toEqual({ before: 'It was built in ', answer: '1887', after: ' on the rock.' }));
  it('ignores case', () => expect(emphasize('Gannet Rock', 'gannet')?.answer).toBe('Gannet'));
  it('is null without an answer or when absent', () => {
    expect(emphasize('text', undefined)).toBeNull();
    expect(emphasize('text', 'other')).toBeNull();
  });
});

describe('claimRecited', () => {
  it('names the markers the model wrote when the check moved the citation', () => {
    expect(claimRecited({ text: 'x', cites: [2], recited: [1], supported: true, support: 0.9 })).toContain('the model cited [1]');
    expect(claimRecited({ text: 'x', cites: [2], recited: [], supported: true, support: 0.9 })).toContain('the model cited no source');
    expect(claimRecited({ text: 'x', cites: [2], supported: true, support: 0.9 })).toBe('');
  });
});
