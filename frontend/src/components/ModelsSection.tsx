import { useEffect, useState } from 'preact/hooks';
import { api, onIndexed, onModelImport, onProgress, type ModelInfo, type ModelList, type Progress } from '../api';
import { errorText } from '../lib/errors';
import { formatBytes, importLabel, kindLabel, sortModels } from '../lib/models';
import { fraction, isReembedding, reembedLabel } from '../lib/progress';
import { ConfirmButton } from './ConfirmButton';

/**
 * Settings → Models: each installed model with its size on disk and the
 * memory it needs loaded; which generator writes answers (and whether the
 * built-in one is on); import a .gguf file or an embedding model's folder
 * through the native dialogs, with the copy's progress; remove a model
 * (two steps, ConfirmButton); "Use for search" on an embedding model
 * re-embeds the library with it in the background, its progress shown
 * here (cancellable; searches use the current model until it is done).
 * Every change takes effect at once, and onChanged lets the window
 * refresh what it shows.
 */
export function ModelsSection(p: { onChanged: () => void }) {
  const [list, setList] = useState<ModelList | null>(null);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [copy, setCopy] = useState<{ file: string; done: number; total: number } | null>(null);
  const [reembed, setReembed] = useState<Progress | null>(null);

  const load = async () => {
    try {
      setList(await api.models());
    } catch (err) {
      setError(`Could not list the models: ${errorText(err)}`);
    }
  };
  useEffect(() => {
    void load();
    const offs = [
      onModelImport((i) => setCopy(i)),
      onProgress((pr) => {
        if (isReembedding(pr)) setReembed(pr);
      }),
      onIndexed(() => {
        // A run ended: a re-embedding's end switches the model in use.
        setReembed(null);
        void load();
        p.onChanged();
      }),
    ];
    return () => offs.forEach((off) => off());
  }, []);

  // run does one change: errors shown, the list and the window refreshed.
  const run = async (what: () => Promise<string | void>) => {
    setBusy(true);
    setError('');
    setNote('');
    try {
      const said = await what();
      if (said) setNote(said);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
      setCopy(null);
      await load();
      p.onChanged();
    }
  };

  const models = sortModels(list?.models);
  const reembedding = list?.reembedding || (reembed ? reembed.current : '');
  const generators = models.filter((m) => m.kind === 'generator');
  return (
    <section class="models" aria-labelledby="models-title" data-testid="models">
      <h3 id="models-title">Models</h3>
      {list && !list.builtIn && (
        <p class="small muted">This build of Folio has no built-in generator: a generator model can be installed, but answers stay extracted.</p>
      )}
      {list && (
        <label class="check">
          <input
            type="checkbox"
            data-testid="models-generation"
            checked={list.generation}
            disabled={busy || !list.builtIn}
            onChange={(ev) => {
              const on = (ev.target as HTMLInputElement).checked;
              void run(() => api.setGeneration(on));
            }}
          />
          Write answers with the built-in model{generators.length === 0 ? ' (import a .gguf model first)' : ''}
        </label>
      )}
      {list && models.length === 0 && <p class="small muted" data-testid="models-empty">No model is installed in this library.</p>}
      <ul class="model-list" aria-label="Installed models">
        {models.map((m) => (
          <ModelRow key={`${m.kind}/${m.name}`} m={m} busy={busy || !!reembedding} list={list!} reembedding={reembedding}
            onActivate={() => void run(() => api.setActiveGenerator(m.name))}
            onUse={() => void run(async () => {
              await api.setActiveEmbedder(m.name);
              return `Re-embedding the library with ${m.name}. Search keeps using the current model until it is done.`;
            })}
            onRemove={() => void run(() => api.removeModel(m.kind, m.name))} />
        ))}
      </ul>
      {list && (
        <p class="small muted">Memory: the weights, and for a generator its KV cache at {list.context.toLocaleString()} tokens.</p>
      )}
      <div class="row">
        <button type="button" class="btn" data-testid="models-import" disabled={busy} onClick={() => void run(() => api.importModel())}>
          Import a model file (.gguf)…
        </button>
        <button type="button" class="btn" data-testid="models-import-folder" disabled={busy} onClick={() => void run(() => api.importModelFolder())}>
          Import an embedding model folder…
        </button>
      </div>
      {reembedding && (
        <div class="small" role="status" aria-live="polite" data-testid="models-reembed">
          <progress value={reembed ? fraction(reembed) : undefined} max={1} aria-label={`Re-embedding with ${reembedding}`} />{' '}
          {reembed ? reembedLabel(reembedding, reembed.filesDone, reembed.filesTotal) : `Re-embedding with ${reembedding}…`}
          {reembed?.paused ? ' (paused)' : ''}{' '}
          <button type="button" class="btn small" data-testid="models-reembed-cancel" onClick={() => void api.cancelIndexing()}>
            Stop
          </button>
          <div class="muted">Search uses the current model until every passage is embedded again; choosing the model again resumes where it stopped.</div>
        </div>
      )}
      {busy && copy && (
        <div class="small" role="status" data-testid="models-progress">
          <progress value={copy.done} max={copy.total || 1} aria-label={`Copying ${copy.file}`} />{' '}
          {importLabel(copy.file, copy.done, copy.total)}
        </div>
      )}
      {note && (
        <div class="small ok" role="status" data-testid="models-note">
          {note}
        </div>
      )}
      {error && (
        <div class="error small" role="alert" data-testid="models-error">
          {error}
        </div>
      )}
    </section>
  );
}

function ModelRow(p: {
  m: ModelInfo; busy: boolean; list: ModelList; reembedding: string; onActivate: () => void; onUse: () => void; onRemove: () => void;
}) {
  const { m } = p;
  const id = `model-${m.kind}-${m.name}`.replace(/[^A-Za-z0-9_-]/g, '_');
  const sizes = `${formatBytes(m.diskBytes)} on disk · ${formatBytes(m.memoryBytes)} in memory`;
  return (
    <li class={`model${m.active ? ' active' : ''}`} data-testid="model-row" data-kind={m.kind} data-name={m.name}>
      <div class="model-main">
        {m.kind === 'generator' ? (
          <input
            type="radio"
            name="active-generator"
            id={id}
            data-testid="model-active"
            checked={m.active}
            disabled={p.busy}
            aria-describedby={`${id}-about`}
            onChange={p.onActivate}
          />
        ) : null}
        <label for={m.kind === 'generator' ? id : undefined} class="model-name">
          {m.name}
        </label>
        <span class="small muted"> · {kindLabel(m.kind)}</span>
        {(m.kind === 'embedding' ? m.inUse : m.active) && (
          <span class="small model-badge" data-testid="model-in-use">
            {m.kind === 'generator' && !(p.list.generation && p.list.generator === m.name) ? 'chosen' : 'in use'}
          </span>
        )}
        {m.kind === 'embedding' && p.reembedding === m.name && (
          <span class="small model-badge" data-testid="model-reembedding">
            re-embedding…
          </span>
        )}
        {m.kind === 'embedding' && !m.inUse && p.reembedding !== m.name && (
          <button type="button" class="btn small" data-testid="model-use" disabled={p.busy}
            aria-describedby={`${id}-about`} title={`Embed the library again with ${m.name}, in the background`} onClick={p.onUse}>
            Use for search
          </button>
        )}
        {m.bundled && (
          <span class="small model-badge" data-testid="model-bundled" title="Comes with Folio; it cannot be removed">
            bundled
          </span>
        )}
        {m.removable && !m.bundled && (
          <ConfirmButton
            label="Remove"
            confirm="Remove for good?"
            testId="model-remove"
            title={`Delete ${m.name} from the library`}
            ariaLabel={`Remove ${m.name}`}
            ariaLabelArmed={`Confirm: delete ${m.name} for good`}
            disabled={p.busy}
            onConfirm={p.onRemove}
          />
        )}
      </div>
      <div class="small" id={`${id}-about`} data-testid="model-sizes">
        {sizes}
      </div>
      {m.detail && <div class="small muted" data-testid="model-detail">{m.detail}</div>}
    </li>
  );
}
