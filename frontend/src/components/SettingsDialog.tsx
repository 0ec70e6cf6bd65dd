import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, type GeneratorSettings } from '../api';
import { isRemoteRefusal } from '../lib/chats';
import { errorText } from '../lib/errors';
import { ModelsSection } from './ModelsSection';
import { OCRSection } from './OCRSection';

const off: GeneratorSettings = { enabled: false, endpoint: '', model: '', confirmedRemote: false };

/**
 * The answer settings: whether a local OpenAI-compatible server (Ollama, a
 * llama.cpp server, LM Studio) writes answers, at which address, with
 * which model. An address that is not this machine is refused until the
 * person ticks the consent box, which appears only after a refusal (or
 * when consent was given before) and is cleared whenever the address
 * changes. Esc closes; Tab stays inside.
 */
export function SettingsDialog(p: {
  saved: GeneratorSettings | null;
  /** Where the library is and whether it is encrypted (null while unknown). */
  library?: { dataDir: string; encrypted: boolean } | null;
  onClose: () => void;
  onSaved: (note: string) => void;
  /** A model was installed, chosen, removed, or generation turned on or off. */
  onModelsChanged: () => void;
}) {
  const saved = p.saved ?? off;
  const [enabled, setEnabled] = useState(saved.enabled);
  const [endpoint, setEndpoint] = useState(saved.endpoint);
  const [model, setModel] = useState(saved.model);
  const [confirm, setConfirm] = useState(saved.confirmedRemote);
  const [askConfirm, setAskConfirm] = useState(saved.confirmedRemote);
  const [error, setError] = useState('');
  const [models, setModels] = useState<string[]>([]);
  const [test, setTest] = useState<{ busy: boolean; text: string; ok: boolean } | null>(null);
  const [saving, setSaving] = useState(false);
  const dialogRef = useRef<HTMLDivElement>(null);
  const firstRef = useRef<HTMLInputElement>(null);

  // Both in layout effects, which run as the dialog is inserted: a key
  // pressed the moment it appears already finds the focus inside it and
  // Esc handled (a plain effect runs later, after the browser may have
  // delivered that key to the page behind).
  useLayoutEffect(() => firstRef.current?.focus(), []);

  // Esc closes the dialog wherever the focus is, and nothing else hears
  // that Esc.
  useLayoutEffect(() => {
    const onEsc = (ev: KeyboardEvent) => {
      if (ev.key !== 'Escape') return;
      ev.preventDefault();
      ev.stopPropagation();
      p.onClose();
    };
    document.addEventListener('keydown', onEsc, true);
    return () => document.removeEventListener('keydown', onEsc, true);
  }, [p.onClose]);

  const current = (): GeneratorSettings => ({ enabled, endpoint: endpoint.trim(), model: model.trim(), confirmedRemote: confirm });

  const refused = (msg: string) => {
    setError(msg);
    if (isRemoteRefusal(msg)) setAskConfirm(true);
  };

  const testConnection = async () => {
    setTest({ busy: true, text: 'Connecting…', ok: false });
    setError('');
    try {
      const list = (await api.generatorModels(current())) ?? [];
      setModels(list);
      setTest({ busy: false, ok: true, text: list.length ? `Connected. Models: ${list.join(', ')}` : 'Connected, but the server offers no model.' });
    } catch (err) {
      const msg = errorText(err);
      setTest(null);
      refused(msg);
    }
  };

  const save = async () => {
    setSaving(true);
    setError('');
    const s = current();
    try {
      await api.setGenerator(s);
      p.onSaved(s.enabled ? '' : 'Answers are extracted from your documents; no generator is used.');
    } catch (err) {
      const msg = errorText(err);
      if (!s.enabled && isRemoteRefusal(msg)) {
        // Turning the generator off must work: keep the address saved
        // before (or none) rather than one that was never confirmed.
        try {
          await api.setGenerator({ ...(p.saved ?? off), enabled: false, model: s.model });
          p.onSaved(`The generator is off. The address ${s.endpoint} was not kept: it is not on this machine and was not confirmed.`);
        } catch (err2) {
          refused(errorText(err2));
        }
      } else {
        refused(msg);
      }
    } finally {
      setSaving(false);
    }
  };

  // Tab and Shift+Tab cycle inside the dialog (Esc: see above).
  const onKeyDown = (ev: KeyboardEvent) => {
    if (ev.key !== 'Tab') return;
    const items = [...(dialogRef.current?.querySelectorAll<HTMLElement>('input, button, select, textarea') ?? [])].filter(
      (el) => !(el as HTMLInputElement).disabled,
    );
    if (items.length === 0) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (ev.shiftKey && document.activeElement === first) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && document.activeElement === last) {
      ev.preventDefault();
      first.focus();
    }
  };

  return (
    <div class="modal-backdrop" onMouseDown={(ev) => ev.target === ev.currentTarget && p.onClose()}>
      <div
        class="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="settings-title"
        data-testid="settings"
        ref={dialogRef}
        onKeyDown={onKeyDown}
      >
        <h2 id="settings-title">Answer settings</h2>
        <p class="small muted">
          Without a generator, Folio answers with sentences taken from your documents. With one, a language model running on
          this computer writes the answer from the same passages, and Folio checks every sentence it writes against them: a
          model file installed below (built in), or a server (Ollama, a llama.cpp server or LM Studio), which takes precedence.
        </p>
        {p.library && (
          <p class="small" data-testid="settings-library">
            Library: <code data-testid="settings-library-dir">{p.library.dataDir}</code> ·{' '}
            <span data-testid="settings-library-encrypted">
              {p.library.encrypted ? 'encrypted with your passphrase' : 'not encrypted (run `folio passphrase set` to encrypt it)'}
            </span>
          </p>
        )}
        <ModelsSection onChanged={p.onModelsChanged} />
        <OCRSection />
        <h3>A server on this computer</h3>
        <form
          onSubmit={(ev) => {
            ev.preventDefault();
            void save();
          }}
        >
          <label class="check">
            <input
              ref={firstRef}
              type="checkbox"
              data-testid="gen-enabled"
              checked={enabled}
              onChange={(ev) => setEnabled((ev.target as HTMLInputElement).checked)}
            />
            Write answers with a language model
          </label>
          <label class="field">
            <span>Address</span>
            <input
              type="url"
              data-testid="gen-endpoint"
              placeholder="http://localhost:11434/v1"
              value={endpoint}
              spellcheck={false}
              onInput={(ev) => {
                setEndpoint((ev.target as HTMLInputElement).value);
                setConfirm(false); // consent is for one address
                setTest(null);
              }}
            />
          </label>
          <label class="field">
            <span>Model</span>
            <input
              type="text"
              data-testid="gen-model"
              list="gen-models"
              placeholder="the first model the server lists"
              value={model}
              spellcheck={false}
              onInput={(ev) => setModel((ev.target as HTMLInputElement).value)}
            />
            <datalist id="gen-models">
              {models.map((m) => (
                <option key={m} value={m} />
              ))}
            </datalist>
          </label>
          <div class="row">
            <button type="button" class="btn" data-testid="gen-test" disabled={!endpoint.trim() || test?.busy} onClick={() => void testConnection()}>
              Test connection
            </button>
            {test && (
              <span class={`small ${test.ok ? 'ok' : 'muted'}`} role="status" data-testid="gen-test-result">
                {test.text}
              </span>
            )}
          </div>
          {error && (
            <div class="error small" role="alert" data-testid="gen-error">
              {error}
            </div>
          )}
          {askConfirm && (
            <label class="check confirm-remote">
              <input
                type="checkbox"
                data-testid="gen-confirm-remote"
                checked={confirm}
                onChange={(ev) => setConfirm((ev.target as HTMLInputElement).checked)}
              />
              Send my questions and passages to this address
            </label>
          )}
          <div class="row end">
            <button type="button" class="btn btn-quiet" data-testid="gen-cancel" onClick={p.onClose}>
              Cancel
            </button>
            <button type="submit" class="btn btn-primary" data-testid="gen-save" disabled={saving}>
              Save
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
