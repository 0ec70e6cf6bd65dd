// Splits an answer's text into statements with clickable citation markers.
// The backend writes one statement per line, each ending in " [n]"; the
// first line may be a note such as "Nothing in your library clearly answers
// this. The closest passages:".

export type Part = { kind: 'text'; text: string } | { kind: 'cite'; n: number };

export interface Statement {
  parts: Part[];
  /** True for a line with no citation (a note rather than a claim). */
  note: boolean;
}

// [1], [1, 2], [1,2,3] and [1–3]/[1-3] ranges.
const citeRe = /\[(\d+(?:\s*(?:,|–|-)\s*\d+)*)\]/g;

function expand(inner: string): number[] {
  const out: number[] = [];
  for (const piece of inner.split(',')) {
    const m = piece.trim().match(/^(\d+)\s*(?:–|-)\s*(\d+)$/);
    if (m) {
      const a = Number(m[1]);
      const b = Number(m[2]);
      for (let i = a; i <= b && i - a < 50; i++) out.push(i);
    } else if (piece.trim()) {
      out.push(Number(piece.trim()));
    }
  }
  return out;
}

/**
 * Parses one line into text and citation parts. Markers whose number is not
 * in known (when given) stay as text, so a stray "[3]" in a quote is not a
 * broken link.
 */
export function parseLine(line: string, known?: Set<number>): Part[] {
  const parts: Part[] = [];
  let last = 0;
  const pushText = (t: string) => {
    if (!t) return;
    const prev = parts[parts.length - 1];
    if (prev && prev.kind === 'text') prev.text += t;
    else parts.push({ kind: 'text', text: t });
  };
  for (const m of line.matchAll(citeRe)) {
    const ns = expand(m[1]);
    if (known && ns.some((n) => !known.has(n))) continue;
    pushText(line.slice(last, m.index));
    for (const n of ns) parts.push({ kind: 'cite', n });
    last = m.index! + m[0].length;
  }
  pushText(line.slice(last));
  // Drop the space before a trailing marker: "text [1]" reads as "text[1]" in
  // superscript style, so keep the text tidy.
  for (let i = 0; i + 1 < parts.length; i++) {
    const p = parts[i];
    if (p.kind === 'text' && parts[i + 1].kind === 'cite') p.text = p.text.replace(/\s+$/, '');
  }
  return parts.filter((p) => p.kind === 'cite' || p.text !== '');
}

/** Splits answer text into statements, one per non-empty line. */
export function splitAnswer(text: string, citationNumbers?: number[]): Statement[] {
  const known = citationNumbers ? new Set(citationNumbers) : undefined;
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const parts = parseLine(line, known);
      return { parts, note: !parts.some((p) => p.kind === 'cite') };
    });
}

/** The citation numbers used in the answer, in order of first use. */
export function citedNumbers(statements: Statement[]): number[] {
  const seen = new Set<number>();
  for (const s of statements) for (const p of s.parts) if (p.kind === 'cite') seen.add(p.n);
  return [...seen];
}
