import type { IndexReport, Library, Progress, Status } from '../api';
import { folderCounts, folderViews, shortReason } from '../lib/library';
import { baseName, relativeTo } from '../lib/paths';
import { describeProgress, formatDuration, reembedReport } from '../lib/progress';
import { ConfirmButton } from './ConfirmButton';

interface Props {
  status: Status | null;
  library: Library | null;
  indexing: boolean;
  progress: Progress | null;
  report: IndexReport | null;
  notice: string;
  onAddFolder: () => void;
  onCancel: () => void;
  onPause: () => void;
  onResume: () => void;
  onRetry: (paths: string[]) => void;
  onRemove: (folder: string) => void;
}

export function LibraryPanel(p: Props) {
  const folders = folderViews(p.library);
  return (
    <aside class="panel library" data-testid="library" aria-label="Library">
      <header class="panel-head">
        <h2>Library</h2>
        <button class="btn" data-testid="add-folder" onClick={p.onAddFolder} title="Add a folder to your library">
          Add folder…
        </button>
      </header>

      <ModeLine status={p.status} />

      {p.notice && <div class="notice" role="status">{p.notice}</div>}

      {p.indexing && (
        <ProgressBlock progress={p.progress} onCancel={p.onCancel} onPause={p.onPause} onResume={p.onResume} />
      )}

      {!p.indexing && p.report && <ReportLine report={p.report} />}

      <div class="folders">
        {folders.length === 0 ? (
          <p class="muted small">No folders yet. Drop folders or files onto the window, or use “Add folder…”.</p>
        ) : (
          <ul class="folder-list">
            {folders.map((f) => (
              <li key={f.path} class="folder" data-testid="folder" data-path={f.path} title={f.path}>
                <div class="folder-name">
                  <span class="folder-icon" aria-hidden="true">▸</span>
                  <span class="folder-label">{baseName(f.path) || f.path}</span>
                  <ConfirmButton
                    label="Remove"
                    confirm="Remove from library?"
                    testId="remove-folder"
                    title="Take this folder out of the library (your files are not touched)"
                    disabled={p.indexing}
                    onConfirm={() => p.onRemove(f.path)}
                  />
                </div>
                <div class="folder-counts small" data-testid="folder-counts">
                  {folderCounts(f)}
                </div>
                {f.failures.length > 0 && (
                  <details class="failures">
                    <summary class="small">
                      {f.failures.length} file{f.failures.length === 1 ? '' : 's'} could not be read
                    </summary>
                    <ul>
                      {f.failures.map((x) => (
                        <li key={x.path} class="small" data-testid="failure">
                          <span class="fail-path" title={x.path}>{relativeTo(x.path, f.path)}</span>
                          <span class="fail-reason" title={x.reason}>{shortReason(x.reason, x.path)}</span>
                          <button
                            class="btn btn-quiet btn-small"
                            data-testid="retry"
                            disabled={p.indexing}
                            title="Read this file again (after fixing why it failed)"
                            onClick={() => p.onRetry([x.path])}
                          >
                            Retry
                          </button>
                        </li>
                      ))}
                    </ul>
                    {f.failures.length > 1 && (
                      <button
                        class="btn btn-quiet btn-small"
                        data-testid="retry-all"
                        disabled={p.indexing}
                        onClick={() => p.onRetry(f.failures.map((x) => x.path))}
                      >
                        Retry all
                      </button>
                    )}
                  </details>
                )}
                {f.skips.length > 0 && (
                  <details class="skips">
                    <summary class="small">
                      {f.skips.length} file{f.skips.length === 1 ? '' : 's'} skipped
                    </summary>
                    <ul>
                      {f.skips.map((x) => (
                        <li key={x.path} class="small" data-testid="skip">
                          <span class="fail-path" title={x.path}>{relativeTo(x.path, f.path)}</span>
                          <span class="muted">{x.reason || 'not read'}</span>
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </li>
            ))}
          </ul>
        )}
      </div>
    </aside>
  );
}

function ModeLine({ status }: { status: Status | null }) {
  if (!status) return <div class="mode muted small">Connecting…</div>;
  const size = `${status.docs} document${status.docs === 1 ? '' : 's'} · ${status.chunks} passages`;
  if (status.mode === 'keyword') {
    return (
      <div class="mode mode-keyword small" data-testid="mode-banner" role="note">
        <strong>Keyword search only — no embedding model installed</strong>
        <div class="muted">{size}</div>
      </div>
    );
  }
  return (
    <div class="mode small" data-testid="mode-banner">
      <span>Model: {status.model || 'unknown'} · hybrid search</span>
      <div class="muted">{size}</div>
      {status.rebuilding && (
        <div class="muted" data-testid="rebuilding">
          Rebuilding the vector index in the background; searches stay exact meanwhile.
        </div>
      )}
    </div>
  );
}

function ProgressBlock(p: { progress: Progress | null; onCancel: () => void; onPause: () => void; onResume: () => void }) {
  const { progress, onCancel } = p;
  const v = progress ? describeProgress(progress) : null;
  return (
    <div class="progress" data-testid="progress" role="status" aria-live="polite">
      <div class="progress-title small">{v?.title ?? 'Starting…'}</div>
      <div
        class={`bar${!v || v.indeterminate ? ' indeterminate' : ''}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={v && !v.indeterminate ? v.percent : undefined}
      >
        <div class="bar-fill" style={{ width: v && !v.indeterminate ? `${v.percent}%` : undefined }} />
      </div>
      {v?.current && (
        <div class="progress-file small muted" title={progress?.current}>
          {v.current}
          {v.detail && <span data-testid="progress-detail"> · {v.detail}</span>}
        </div>
      )}
      {v?.speed && <div class="progress-speed small muted">{v.speed}</div>}
      <div class="progress-actions">
        {progress?.paused ? (
          <button class="btn btn-quiet" data-testid="resume-indexing" onClick={p.onResume}>Resume</button>
        ) : (
          <button class="btn btn-quiet" data-testid="pause-indexing" onClick={p.onPause}>Pause</button>
        )}
        <button class="btn btn-quiet" data-testid="cancel-indexing" onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}

function ReportLine({ report }: { report: IndexReport }) {
  if (report.reembedded) {
    const stopped = (report.errors ?? []).filter((e) => !e.path);
    return (
      <div class="report small" data-testid="report">
        <div>{reembedReport(report)}</div>
        {stopped.map((e, i) => (
          <div key={i} class="error small" role="alert">{e.reason}</div>
        ))}
      </div>
    );
  }
  const parts = [`${report.files} files checked`];
  if (report.new) parts.push(`${report.new} new`);
  if (report.changed) parts.push(`${report.changed} changed`);
  if (report.moved) parts.push(`${report.moved} moved`);
  if (report.removed) parts.push(`${report.removed} removed`);
  if (report.failed) parts.push(`${report.failed} failed`);
  if (report.skipped) parts.push(`${report.skipped} skipped`);
  const took = report.seconds > 0 ? ` in ${formatDuration(report.seconds)}` : '';
  const stopped = (report.errors ?? []).filter((e) => !e.path);
  return (
    <div class="report small" data-testid="report">
      <div>
        {report.canceled ? 'Indexing cancelled: ' : 'Last run: '}
        {parts.join(', ')}
        {took}.
      </div>
      {stopped.map((e, i) => (
        <div key={i} class="error small" role="alert">{e.reason}</div>
      ))}
    </div>
  );
}
