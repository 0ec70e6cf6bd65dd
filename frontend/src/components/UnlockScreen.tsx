import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { errorText } from '../lib/errors';

/**
 * The passphrase screen of an encrypted library: shown at start, before
 * anything else, until the passphrase opens the library. Enter submits; a
 * wrong passphrase says so and the person can try again (no limit: the
 * key derivation itself takes a noticeable time per try).
 */
export function UnlockScreen(p: { onUnlocked: () => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => inputRef.current?.focus(), []);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    if (busy) return;
    if (!passphrase) {
      setError('Enter the passphrase.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      await api.unlock(passphrase);
      setPassphrase('');
      p.onUnlocked();
    } catch (err) {
      const msg = errorText(err);
      setError(/wrong passphrase/i.test(msg) ? 'Wrong passphrase. Try again.' : `Could not open the library: ${msg}`);
      setBusy(false);
      inputRef.current?.select();
    }
  };

  return (
    <div class="modal-backdrop" data-testid="unlock-screen">
      <div class="modal" role="dialog" aria-modal="true" aria-labelledby="unlock-title">
        <h2 id="unlock-title">This library is encrypted</h2>
        <p class="small muted">Enter its passphrase to open it. Folio cannot recover a forgotten passphrase.</p>
        <form onSubmit={(ev) => void submit(ev)}>
          <label class="field">
            Passphrase
            <input
              ref={inputRef}
              type="password"
              autocomplete="current-password"
              data-testid="unlock-passphrase"
              value={passphrase}
              disabled={busy}
              onInput={(ev) => setPassphrase((ev.target as HTMLInputElement).value)}
            />
          </label>
          {error && (
            <div class="error small" role="alert" data-testid="unlock-error">
              {error}
            </div>
          )}
          <div class="row end">
            <button type="submit" class="btn btn-primary" data-testid="unlock-submit" disabled={busy}>
              {busy ? 'Opening…' : 'Open'}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
