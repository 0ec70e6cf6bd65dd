import { describe, expect, it } from 'vitest';
import { citedNumbers, parseLine, splitAnswer } from './answer';

describe('parseLine', () => {
  const cases: { name: string; line: string; known?: number[]; want: unknown }[] = [
    { name: 'plain', line: 'No citations here.', want: [{ kind: 'text', text: 'No citations here.' }] },
    {
      name: 'trailing marker', line: 'The sky is blue. [1]',
      want: [{ kind: 'text', text: 'The sky is blue.' }, { kind: 'cite', n: 1 }],
    },
    {
      name: 'two markers', line: 'A [1] and B [2].',
      want: [{ kind: 'text', text: 'A' }, { kind: 'cite', n: 1 }, { kind: 'text', text: ' and B' }, { kind: 'cite', n: 2 }, { kind: 'text', text: '.' }],
    },
    {
      name: 'list and range', line: 'X [1, 3] Y [4-5]',
      want: [{ kind: 'text', text: 'X' }, { kind: 'cite', n: 1 }, { kind: 'cite', n: 3 }, { kind: 'text', text: ' Y' }, { kind: 'cite', n: 4 }, { kind: 'cite', n: 5 }],
    },
    {
      name: 'unknown number stays text', line: 'See array[7] in code [1]', known: [1],
      want: [{ kind: 'text', text: 'See array[7] in code' }, { kind: 'cite', n: 1 }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(parseLine(c.line, c.known ? new Set(c.known) : undefined)).toEqual(c.want));
  }
});

describe('splitAnswer', () => {
  it('splits lines into statements and marks notes', () => {
    const text = 'Nothing in your library clearly answers this. The closest passages:\nFirst claim. [1]\n\n  Second claim. [2]\n';
    const got = splitAnswer(text, [1, 2]);
    expect(got).toHaveLength(3);
    expect(got[0].note).toBe(true);
    expect(got[1]).toEqual({ note: false, parts: [{ kind: 'text', text: 'First claim.' }, { kind: 'cite', n: 1 }] });
    expect(citedNumbers(got)).toEqual([1, 2]);
  });
  it('handles an empty answer', () => expect(splitAnswer('')).toEqual([]));
  it('handles CRLF', () => expect(splitAnswer('a [1]\r\nb [1]', [1])).toHaveLength(2));
});
