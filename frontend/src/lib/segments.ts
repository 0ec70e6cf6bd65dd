// Helpers for runs of text marked plain / passage / highlight / answer / cell.
import type { Segment } from '../api/types';

/** Joins adjacent segments of the same kind and drops empty ones. */
export function normalizeSegments(segs: Segment[] | null | undefined): Segment[] {
  const out: Segment[] = [];
  for (const s of segs ?? []) {
    if (!s.text) continue;
    const kind = s.kind === 'highlight' || s.kind === 'passage' || s.kind === 'answer' || s.kind === 'cell' ? s.kind : 'plain';
    const prev = out[out.length - 1];
    if (prev && prev.kind === kind) prev.text += s.text;
    else out.push({ text: s.text, kind });
  }
  return out;
}

/** Whether any segment is a highlight. */
export function hasHighlight(segs: Segment[] | null | undefined): boolean {
  return (segs ?? []).some((s) => s.kind === 'highlight' && s.text.trim() !== '');
}

/**
 * Trims long plain context at the ends of a citation's segments so the card
 * shows the passage, with "…" where text was cut. max is in characters.
 */
export function clipContext(segs: Segment[], max = 160): Segment[] {
  const out = segs.map((s) => ({ ...s }));
  const first = out[0];
  if (first && first.kind === 'plain' && first.text.length > max) {
    first.text = '…' + first.text.slice(first.text.length - max).replace(/^\S*\s/, '');
  }
  const last = out[out.length - 1];
  if (last && last !== first && last.kind === 'plain' && last.text.length > max) {
    last.text = last.text.slice(0, max).replace(/\s\S*$/, '') + '…';
  }
  return out;
}

/**
 * Joins hard-wrapped lines (as PDF text extraction produces) into flowing
 * text: a single newline becomes a space, while blank lines (paragraph
 * breaks) stay. Works across segment boundaries; segment lengths are kept.
 */
export function reflow(segs: Segment[]): Segment[] {
  const all = segs.map((s) => s.text).join('');
  let off = 0;
  return segs.map((s) => {
    const start = off;
    off += s.text.length;
    let text = '';
    for (let i = 0; i < s.text.length; i++) {
      const c = s.text[i];
      const at = start + i;
      if (c === '\n' && all[at - 1] !== '\n' && all[at + 1] !== '\n') text += ' ';
      else text += c;
    }
    return { ...s, text };
  });
}

/** Whether a document's text is hard-wrapped by line (PDF extraction). */
export function isLineWrapped(pathOrFormat: string): boolean {
  return /(^|\.)pdf$/i.test(pathOrFormat);
}

/**
 * Marks a citation's exact answer (its "answer" segments, inside a
 * highlight) in another view of the same document, such as the source
 * panel's text, which comes without it. The answer is placed inside the
 * highlight that holds the citation's whole highlighted sentence, or else
 * the first highlight holding the answer's text. segs is returned as is
 * when there is nothing to mark or no place for it.
 */
export function markAnswer(segs: Segment[], citation: Segment[] | null | undefined): Segment[] {
  const cit = normalizeSegments(citation);
  const ai = cit.findIndex((s) => s.kind === 'answer');
  if (ai < 0 || segs.some((s) => s.kind === 'answer')) return segs;
  const answer = cit[ai].text;
  const prefix = cit[ai - 1]?.kind === 'highlight' ? cit[ai - 1].text : '';
  const suffix = cit[ai + 1]?.kind === 'highlight' ? cit[ai + 1].text : '';
  const whole = prefix + answer + suffix;
  let at = -1;
  let idx = segs.findIndex((s) => s.kind === 'highlight' && (at = s.text.indexOf(whole)) >= 0);
  if (idx >= 0) {
    at += prefix.length;
  } else {
    idx = segs.findIndex((s) => s.kind === 'highlight' && (at = s.text.indexOf(answer)) >= 0);
    if (idx < 0) return segs;
  }
  const h = segs[idx].text;
  const parts: Segment[] = [
    { text: h.slice(0, at), kind: 'highlight' },
    { text: answer, kind: 'answer' },
    { text: h.slice(at + answer.length), kind: 'highlight' },
  ].filter((s) => s.text);
  return [...segs.slice(0, idx), ...parts, ...segs.slice(idx + 1)];
}

/**
 * Groups runs for display: a highlight and the answer and cell runs inside
 * it become one group, so the sentence (a table row) shows as one mark with
 * the answer (the cell asked for) marked within it.
 */
export type SegmentGroup = { kind: 'plain' | 'passage'; text: string } | { kind: 'highlight'; parts: Segment[] };

export function groupSegments(segs: Segment[]): SegmentGroup[] {
  const out: SegmentGroup[] = [];
  for (const s of segs) {
    if (s.kind === 'highlight' || s.kind === 'answer' || s.kind === 'cell') {
      const prev = out[out.length - 1];
      if (prev && prev.kind === 'highlight') prev.parts.push(s);
      else out.push({ kind: 'highlight', parts: [s] });
    } else {
      out.push({ kind: s.kind === 'passage' ? 'passage' : 'plain', text: s.text });
    }
  }
  return out;
}
