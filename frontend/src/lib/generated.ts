// Marks up a generated answer for display: its [n] markers (flagging
// numbers that match no source) and the sentences the backend's check
// found unsupported (Answer.claims). Claims carry their sentence with the
// markers and any list prefix removed, so they are located in the text by
// their letters and digits alone.
import type { Claim } from '../api/types';

/** A run of a generated answer's line. claim is the index of the claim it belongs to, or -1. */
export type GenPiece =
  | { kind: 'text'; text: string; claim: number }
  | { kind: 'cite'; n: number; missing: boolean; claim: number };

// [1], [1, 2], [1;2], [ 3 ], [1-3] / [1–3] (as the backend reads them).
const markerRe = /\[\s*(\d{1,4}(?:\s*[,;–-]\s*\d{1,4})*)\s*\]/g;

/** The numbers of one marker's inside ("1, 2", "1-3"); a range gives at most 20. */
export function markerNumbers(inner: string): number[] {
  const out: number[] = [];
  for (const piece of inner.split(/[,;]/)) {
    const p = piece.trim();
    const m = p.match(/^(\d+)\s*[–-]\s*(\d+)$/);
    if (m) {
      const a = Number(m[1]);
      const b = Number(m[2]);
      for (let i = a; i <= b && i - a < 20; i++) if (!out.includes(i)) out.push(i);
    } else if (/^\d+$/.test(p) && !out.includes(Number(p))) {
      out.push(Number(p));
    }
  }
  return out;
}

/**
 * Splits a line into text and markers. Every marker becomes cite pieces,
 * whatever its number: a number that is not in known is flagged missing.
 */
export function parseMarkers(line: string, known: Set<number>): GenPiece[] {
  const out: GenPiece[] = [];
  let last = 0;
  for (const m of line.matchAll(markerRe)) {
    if (m.index! > last) out.push({ kind: 'text', text: line.slice(last, m.index), claim: -1 });
    for (const n of markerNumbers(m[1])) out.push({ kind: 'cite', n, missing: !known.has(n), claim: -1 });
    last = m.index! + m[0].length;
  }
  if (last < line.length) out.push({ kind: 'text', text: line.slice(last), claim: -1 });
  return out;
}

const wordChar = /[\p{L}\p{N}]/u;

/** The letters and digits of s, lower-cased. */
function letters(s: string): string {
  let out = '';
  for (const ch of s) if (wordChar.test(ch)) out += ch.toLowerCase();
  return out;
}

/**
 * Splits a generated answer into lines of pieces, each text run tagged
 * with the claim it belongs to (claims are found in order; one the text
 * does not hold is skipped), each marker with the claim before it.
 */
export function markGenerated(text: string, claims: Claim[] | null | undefined, known: Set<number>): GenPiece[][] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => parseMarkers(l, known));
  // Every letter or digit of the text parts, with where it is.
  type At = { line: number; piece: number; off: number; end: number };
  const at: At[] = [];
  let flat = '';
  lines.forEach((pieces, li) =>
    pieces.forEach((p, pi) => {
      if (p.kind !== 'text') return;
      let off = 0;
      for (const ch of p.text) {
        if (wordChar.test(ch)) {
          const low = ch.toLowerCase();
          for (let k = 0; k < low.length; k++) at.push({ line: li, piece: pi, off, end: off + ch.length });
          flat += low;
        }
        off += ch.length;
      }
    }),
  );
  // Each piece's characters' claim indices, -1 outside claims.
  const owner = lines.map((pieces) => pieces.map((p) => (p.kind === 'text' ? new Array<number>(p.text.length).fill(-1) : null)));
  let cursor = 0;
  (claims ?? []).forEach((c, ci) => {
    const want = letters(c.text);
    if (!want) return;
    const i = flat.indexOf(want, cursor);
    if (i < 0) return;
    cursor = i + want.length;
    const first = at[i];
    const last = at[i + want.length - 1];
    // Mark from the first letter to the last, across pieces of that line.
    for (let pi = first.piece; pi <= last.piece && first.line === last.line; pi++) {
      const own = owner[first.line][pi];
      if (!own) continue;
      const from = pi === first.piece ? first.off : 0;
      const to = pi === last.piece ? last.end : own.length;
      for (let k = from; k < to; k++) own[k] = ci;
    }
  });
  return lines.map((pieces, li) => {
    const out: GenPiece[] = [];
    let prevClaim = -1;
    pieces.forEach((p, pi) => {
      if (p.kind === 'cite') {
        out.push({ ...p, claim: prevClaim });
        return;
      }
      const own = owner[li][pi]!;
      let start = 0;
      for (let k = 1; k <= p.text.length; k++) {
        if (k === p.text.length || own[k] !== own[start]) {
          out.push({ kind: 'text', text: p.text.slice(start, k), claim: own[start] });
          if (own[start] >= 0) prevClaim = own[start];
          start = k;
        }
      }
    });
    return out;
  });
}

/** What to say about a claim that is not supported ("" when it is). */
export function claimWarning(c: Claim, known: Set<number>): string {
  if (c.supported) return '';
  const cites = (c.cites ?? []).filter((n) => known.has(n));
  const missing = (c.cites ?? []).filter((n) => !known.has(n));
  if (cites.length > 0) return `⚠ not supported by ${cites.map((n) => `[${n}]`).join('')}`;
  if (missing.length > 0) return `⚠ cites ${missing.map((n) => `[${n}]`).join('')}, which is not a source of this answer`;
  return '⚠ cites no source';
}

/** What to say about a claim whose citation Folio's check moved ("" when it did not). */
export function claimRecited(c: Claim): string {
  if (!c.recited) return '';
  const was = c.recited.length > 0 ? c.recited.map((n) => `[${n}]`).join('') : 'no source';
  return `citation corrected by Folio's check: the model cited ${was}, which does not support this sentence`;
}

/**
 * Splits a statement around the exact answer a QA model found in it:
 * null when there is none or the statement does not hold it.
 */
export function emphasize(text: string, answer: string | undefined): { before: string; answer: string; after: string } | null {
  const a = (answer ?? '').trim();
  if (!a) return null;
  let i = text.indexOf(a);
  if (i < 0) i = text.toLowerCase().indexOf(a.toLowerCase());
  if (i < 0) return null;
  return { before: text.slice(0, i), answer: text.slice(i, i + a.length), after: text.slice(i + a.length) };
}
