import type { Segment } from '../api';
import { groupSegments } from '../lib/segments';

/**
 * Renders runs of text: "plain" context dim, the cited "passage" normal,
 * "highlight" sentences as <mark class="hl"> and, inside one, the exact
 * "answer" a QA model found as <mark class="ans">, and the table "cell"
 * asked for, inside a highlighted row, as <mark class="cell">.
 */
export function Segments({ segments }: { segments: Segment[] }) {
  return (
    <>
      {groupSegments(segments).map((g, i) =>
        g.kind === 'highlight' ? (
          <mark key={i} class="hl">
            {g.parts.map((p, j) =>
              p.kind === 'answer' ? (
                <mark key={j} class="ans" data-testid="answer-span">{p.text}</mark>
              ) : p.kind === 'cell' ? (
                <mark key={j} class="cell" data-testid="cell-span" title="The cell asked for">{p.text}</mark>
              ) : (
                p.text
              ),
            )}
          </mark>
        ) : (
          <span key={i} class={g.kind === 'passage' ? 'seg-passage' : 'seg-plain'}>{g.text}</span>
        ),
      )}
    </>
  );
}
