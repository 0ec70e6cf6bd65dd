import type { Segment } from '../api';

/**
 * Renders runs of text: "plain" context dim, the cited "passage" normal and
 * "highlight" sentences as <mark class="hl">.
 */
export function Segments({ segments }: { segments: Segment[] }) {
  return (
    <>
      {segments.map((s, i) =>
        s.kind === 'highlight' ? (
          <mark key={i} class="hl">{s.text}</mark>
        ) : (
          <span key={i} class={s.kind === 'passage' ? 'seg-passage' : 'seg-plain'}>{s.text}</span>
        ),
      )}
    </>
  );
}
