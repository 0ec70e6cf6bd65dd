import { useEffect, useState } from 'preact/hooks';
import { api, type OCRLanguages } from '../api';
import { errorText } from '../lib/errors';
import { inUseLine, languageRows, toggleLanguage } from '../lib/ocr';

/**
 * Settings → Text in scans: the installed Tesseract language packs, ticked
 * when scans are read with them (the library's choice, or English plus the
 * system's language by default). A change is saved in the library at once
 * and applies to files read from then on; the last ticked pack cannot be
 * unticked. Hidden in a build without OCR.
 */
export function OCRSection() {
  const [info, setInfo] = useState<OCRLanguages | null>(null);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);

  const load = async () => {
    try {
      setInfo(await api.ocrLanguages());
    } catch (err) {
      setError(`Could not list the OCR languages: ${errorText(err)}`);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const toggle = async (code: string, on: boolean) => {
    if (!info) return;
    const next = toggleLanguage(info, code, on);
    // Shown at once (the box the person clicked stays as they set it),
    // then replaced by what the library saved, or put back on an error.
    setInfo({ ...info, inUse: next });
    setBusy(true);
    setError('');
    try {
      await api.setOCRLanguages(next);
      setNote('');
      await load();
      setNote('Saved. Scans are read with these languages from now on; those already indexed are being read again.');
    } catch (err) {
      setError(errorText(err));
      await load();
    } finally {
      setBusy(false);
    }
  };

  if (!info || (!info.available && !error)) return null;
  const rows = languageRows(info);
  return (
    <section class="ocr-section" data-testid="ocr-section" aria-labelledby="ocr-title">
      <h3 id="ocr-title">Text in scans (OCR)</h3>
      <p class="small muted">
        Scanned pages and pictures are read with these languages: <span data-testid="ocr-in-use">{inUseLine(info)}</span>
        {(info.chosen ?? []).length === 0 && ' (the default: English and your system’s language)'}.
      </p>
      <div class="ocr-languages" role="group" aria-label="OCR languages">
        {rows.map((r) => (
          <label key={r.code} class="small" title={r.locked ? 'Scans need one language at least' : undefined}>
            <input
              type="checkbox"
              data-testid={`ocr-lang-${r.code}`}
              checked={r.checked}
              disabled={busy || r.locked}
              onChange={(ev) => void toggle(r.code, (ev.currentTarget as HTMLInputElement).checked)}
            />{' '}
            {r.label}
            {r.isDefault && <span class="muted"> · default</span>}
          </label>
        ))}
      </div>
      {note && <div class="small muted" role="status" data-testid="ocr-note">{note}</div>}
      {error && <div class="error small" role="alert" data-testid="ocr-error">{error}</div>}
    </section>
  );
}
