import { useEffect, useState } from 'preact/hooks';

function hasFiles(e: DragEvent): boolean {
  return !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
}

/**
 * Shows an overlay while files are dragged over the window. Its window-level
 * listeners also call preventDefault() on dragover and drop: without that,
 * WebKitGTK navigates to the dropped file. The paths themselves reach Go
 * through Wails (EnableFileDrop + runtime.OnFileDrop).
 */
export function DropOverlay() {
  const [active, setActive] = useState(false);

  useEffect(() => {
    let depth = 0;
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setActive(true);
    };
    const over = (e: DragEvent) => {
      e.preventDefault();
      if (e.dataTransfer && hasFiles(e)) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setActive(false);
    };
    const drop = (e: DragEvent) => {
      e.preventDefault();
      depth = 0;
      setActive(false);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);

  if (!active) return null;
  return (
    <div class="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
      <div class="drop-card">
        <div class="drop-icon">⤓</div>
        <div class="drop-title">Drop to add to your library</div>
        <div class="drop-sub">Folders and files stay on this computer.</div>
      </div>
    </div>
  );
}
