import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, connected, onFileDrop, onIndexed, onProgress } from './api';
import type { Citation, IndexReport, Library, Progress, Status } from './api';
import { ChatPanel, type Exchange } from './components/ChatPanel';
import { DropOverlay } from './components/DropOverlay';
import { LibraryPanel } from './components/LibraryPanel';
import { SourcePanel, type SourceState } from './components/SourcePanel';
import { baseName } from './lib/paths';
import { type Scope, scopeOptions, toFilter, validScope, wholeLibrary } from './lib/scope';

/** How often the library is refreshed while an indexing run is going. */
const REFRESH_MS = 1500;

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

export function App() {
  const [status, setStatus] = useState<Status | null>(null);
  const [library, setLibrary] = useState<Library | null>(null);
  const [indexing, setIndexing] = useState(false);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [report, setReport] = useState<IndexReport | null>(null);
  const [notice, setNotice] = useState('');
  const [exchanges, setExchanges] = useState<Exchange[]>([]);
  const [source, setSource] = useState<SourceState | null>(null);
  const [activeCite, setActiveCite] = useState<{ exchange: number; n: number } | null>(null);
  const [scope, setScope] = useState<Scope>(wholeLibrary);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const nextId = useRef(1);
  const sourceReq = useRef(0);

  const refresh = useCallback(async () => {
    try {
      const [s, l, busy] = await Promise.all([api.status(), api.library(), api.indexing()]);
      setStatus(s);
      setLibrary(l);
      setIndexing(busy);
      if (!busy) {
        setProgress(null);
        setNotice((n) => (n.startsWith('Adding') || n === 'Cancelling…' ? '' : n));
      }
    } catch (err) {
      setNotice(`Could not read the library: ${errorText(err)}`);
    }
  }, []);

  // Startup: load state, subscribe to events, focus the question box.
  useEffect(() => {
    inputRef.current?.focus();
    if (!connected()) {
      setNotice('Not connected to Folio’s backend (open this page through the Folio app or `wails dev`).');
      return;
    }
    void refresh();
    const offProgress = onProgress((p) => {
      setIndexing(p.phase !== 'done');
      setProgress(p);
    });
    const offIndexed = onIndexed((r) => {
      setReport(r);
      setNotice('');
      void refresh();
    });
    onFileDrop((paths) => {
      setNotice(`Adding ${paths.length === 1 ? paths[0] : `${paths.length} items`}…`);
      setIndexing(true);
      setProgress(null);
    });
    return () => {
      offProgress();
      offIndexed();
    };
  }, [refresh]);

  // While indexing, refresh counts periodically (events may be throttled).
  useEffect(() => {
    if (!indexing) return;
    const t = window.setInterval(() => void refresh(), REFRESH_MS);
    return () => window.clearInterval(t);
  }, [indexing, refresh]);

  // Global keys: Ctrl/Cmd+K focuses the question box; Esc closes the source.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        inputRef.current?.focus();
        inputRef.current?.select();
      } else if (e.key === 'Escape' && source) {
        setSource(null);
        setActiveCite(null);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [source]);

  const addFolder = async () => {
    try {
      const dir = await api.addFolder();
      if (dir) {
        setNotice(`Adding ${dir}…`);
        setIndexing(true);
      }
    } catch (err) {
      setNotice(`Could not add the folder: ${errorText(err)}`);
    }
  };

  const cancel = async () => {
    try {
      await api.cancelIndexing();
      setNotice('Cancelling…');
    } catch (err) {
      setNotice(`Could not cancel: ${errorText(err)}`);
    }
  };

  const retry = async (paths: string[]) => {
    try {
      await api.retry(paths);
      setNotice(`Reading ${paths.length === 1 ? baseName(paths[0]) : `${paths.length} files`} again…`);
      setIndexing(true);
    } catch (err) {
      setNotice(`Could not retry: ${errorText(err)}`);
    }
  };

  const removeFolder = async (folder: string) => {
    try {
      await api.removeFolder(folder);
      setNotice(`Removed ${baseName(folder)} from the library.`);
      void refresh();
    } catch (err) {
      setNotice(`Could not remove ${folder}: ${errorText(err)}`);
    }
  };

  const ask = async (question: string) => {
    const id = nextId.current++;
    const asked = validScope(scope, library);
    setExchanges((xs) => [...xs, { id, question, scope: asked, pending: true }]);
    let patch: Partial<Exchange>;
    try {
      patch = { answer: await api.ask(question, toFilter(asked)) };
    } catch (err) {
      patch = { error: errorText(err) };
    }
    setExchanges((xs) => xs.map((x) => (x.id === id ? { ...x, ...patch, pending: false } : x)));
  };

  const openCitation = async (exchange: number, c: Citation) => {
    const req = ++sourceReq.current;
    setActiveCite({ exchange, n: c.n });
    setSource({ n: c.n, path: c.path, loading: true });
    try {
      const src = await api.source(c.path, { start: c.start, end: c.end }, c.highlights ?? []);
      if (req === sourceReq.current) setSource({ n: c.n, path: c.path, loading: false, source: src });
    } catch (err) {
      if (req === sourceReq.current) setSource({ n: c.n, path: c.path, loading: false, error: errorText(err) });
    }
  };

  return (
    <div class="layout">
      <LibraryPanel
        status={status}
        library={library}
        indexing={indexing}
        progress={progress}
        report={report}
        notice={notice}
        onAddFolder={addFolder}
        onCancel={cancel}
        onPause={() => void api.pauseIndexing().catch((err) => setNotice(`Could not pause: ${errorText(err)}`))}
        onResume={() => void api.resumeIndexing().catch((err) => setNotice(`Could not resume: ${errorText(err)}`))}
        onRetry={retry}
        onRemove={removeFolder}
      />
      <ChatPanel
        exchanges={exchanges}
        hasLibrary={(library?.folders?.length ?? 0) > 0}
        inputRef={inputRef}
        activeCite={activeCite}
        onAsk={ask}
        onCite={openCitation}
        scope={validScope(scope, library)}
        scopeOptions={scopeOptions(library)}
        onScope={setScope}
      />
      <SourcePanel
        state={source}
        onClose={() => {
          setSource(null);
          setActiveCite(null);
          inputRef.current?.focus();
        }}
      />
      <DropOverlay />
    </div>
  );
}
