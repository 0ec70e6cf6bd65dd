import type { Segment } from '../api';
import { gridRows } from '../lib/sourceview';
import { Segments } from './Segments';

/**
 * Shows a spreadsheet's rows (tab-separated lines) as a grid so columns line
 * up; highlighted runs stay marked inside their cells. A line with a single
 * cell spans the whole row; an empty row separates sheets.
 */
export function SheetGrid({ segments }: { segments: Segment[] }) {
  const { rows, cols } = gridRows(segments);
  return (
    <div class="sheet-scroll">
      <table class="sheet-grid" data-testid="sheet-grid">
        <tbody>
          {rows.map((row, i) =>
            row.length === 0 ? (
              <tr key={i} class="sheet-gap" aria-hidden="true">
                <td colSpan={cols} />
              </tr>
            ) : (
              <tr key={i}>
                {row.map((cell, j) => (
                  <td key={j} colSpan={row.length === 1 && cols > 1 ? cols : undefined}>
                    <Segments segments={cell} />
                  </td>
                ))}
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}
