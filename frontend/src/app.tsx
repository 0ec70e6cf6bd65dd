import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, connected, onAnswerDelta, onFileDrop, onIndexed, onModelLoad, onProgress } from './api';
import type { Chat, ChatSummary, Citation, GeneratorSettings, IndexReport, Library, ModelLoad, Progress, Status } from './api';
import { ChatPanel, type Exchange } from './components/ChatPanel';
import { DropOverlay } from './components/DropOverlay';
import { LibraryPanel } from './components/LibraryPanel';
import { SettingsDialog } from './components/SettingsDialog';
import { SourcePanel, type SourceState } from './components/SourcePanel';
import { UnlockScreen } from './components/UnlockScreen';
import { answerMode, applyDelta, sortChats } from './lib/chats';
import { loadLabel, nextLoad } from './lib/models';
import { errorText } from './lib/errors';
import { baseName } from './lib/paths';
import { type Scope, scopeOptions, toFilter, validScope, wholeLibrary } from './lib/scope';

export { errorText };

/** How often the library is refreshed while an indexing run is going. */
const REFRESH_MS = 1500;

/**
 * The window: the passphrase screen while the library is locked, then the
 * workspace.
 */
export function App() {
  const [locked, setLocked] = useState<boolean | null>(connected() ? null : false);
  useEffect(() => {
    if (locked !== null) return;
    api.locked().then(setLocked, () => setLocked(false));
  }, [locked]);
  if (locked === null) return null;
  if (locked) return <UnlockScreen onUnlocked={() => setLocked(false)} />;
  return <Workspace />;
}

function Workspace() {
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
  // Chats: the one shown ("" until its first question is saved), the list.
  const [chatId, setChatId] = useState('');
  const [chatTitle, setChatTitle] = useState('');
  const [chats, setChats] = useState<ChatSummary[]>([]);
  const [chatNotice, setChatNotice] = useState('');
  const chatIdRef = useRef('');
  const ticket = useRef(0);
  // Generator settings and their dialog.
  const [generator, setGenerator] = useState<GeneratorSettings | null>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  // The generator model loading during the question being answered
  // (model:load events, see nextLoad); null before any.
  const [modelLoad, setModelLoad] = useState<ModelLoad | null>(null);
  const settingsRef = useRef<HTMLButtonElement>(null);
  const busy = exchanges.some((x) => x.pending);

  const refreshChats = useCallback(async () => {
    try {
      setChats(sortChats(await api.chats()));
    } catch (err) {
      setChatNotice(`Could not list the chats: ${errorText(err)}`);
    }
  }, []);

  const refreshGenerator = useCallback(async () => {
    try {
      setGenerator(await api.generator());
    } catch (err) {
      setChatNotice(`Could not read the answer settings: ${errorText(err)}`);
    }
  }, []);

  const showChat = (id: string, title: string) => {
    chatIdRef.current = id;
    setChatId(id);
    setChatTitle(title);
  };

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
    void refreshChats();
    void refreshGenerator();
    const offDelta = onAnswerDelta((d) => setExchanges((xs) => applyDelta(xs, d)));
    const offLoad = onModelLoad((l) => setModelLoad((prev) => nextLoad(prev, l)));
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
      offDelta();
      offLoad();
      offProgress();
      offIndexed();
    };
  }, [refresh, refreshChats, refreshGenerator]);

  // While indexing, refresh counts periodically (events may be throttled).
  useEffect(() => {
    if (!indexing) return;
    const t = window.setInterval(() => void refresh(), REFRESH_MS);
    return () => window.clearInterval(t);
  }, [indexing, refresh]);

  // Global keys: Ctrl/Cmd+K focuses the question box; Alt+N starts a new
  // chat (WebKitGTK and browsers keep Ctrl+N for themselves); Esc stops an
  // answer being written, else closes the source. The settings dialog and
  // the rename field handle their own Esc.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        inputRef.current?.focus();
        inputRef.current?.select();
      } else if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === 'KeyN') {
        e.preventDefault();
        newChat();
      } else if (e.key === 'Escape' && busy) {
        e.preventDefault();
        void stop();
      } else if (e.key === 'Escape' && source) {
        setSource(null);
        setActiveCite(null);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

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
    const t = ++ticket.current;
    const asked = validScope(scope, library);
    setModelLoad(null);
    setExchanges((xs) => [...xs, { id, question, scope: asked, pending: true, ticket: t }]);
    let patch: Partial<Exchange>;
    try {
      const chat = await api.askInChat(chatIdRef.current, question, toFilter(asked), t);
      const turns = chat.turns ?? [];
      showChat(chat.id, chat.title);
      patch = { answer: turns[turns.length - 1]?.answer, streamed: undefined };
      void refreshChats();
    } catch (err) {
      patch = stopping.current === t ? { stopped: true, streamed: undefined } : { error: errorText(err), streamed: undefined };
    }
    setModelLoad(null); // a load that failed sends no 1
    setExchanges((xs) => xs.map((x) => (x.id === id ? { ...x, ...patch, pending: false } : x)));
  };

  // Which ticket Stop was pressed for, so its failure reads as stopped.
  const stopping = useRef(0);
  const stop = async () => {
    stopping.current = ticket.current;
    try {
      await api.cancelAsk();
    } catch (err) {
      setChatNotice(`Could not stop: ${errorText(err)}`);
    }
  };

  const newChat = () => {
    if (busy) return;
    showChat('', '');
    setExchanges([]);
    setSource(null);
    setActiveCite(null);
    setChatNotice('');
    inputRef.current?.focus();
  };

  const openChat = async (id: string) => {
    if (busy) return;
    try {
      const chat: Chat = await api.chat(id);
      showChat(chat.id, chat.title);
      setExchanges(
        (chat.turns ?? []).map((t) => ({ id: nextId.current++, question: t.question, pending: false, answer: t.answer })),
      );
      setSource(null);
      setActiveCite(null);
      setChatNotice('');
    } catch (err) {
      setChatNotice(`Could not open the chat: ${errorText(err)}`);
    }
  };

  const renameChat = async (id: string, title: string): Promise<boolean> => {
    try {
      await api.renameChat(id, title);
      if (id === chatIdRef.current) setChatTitle(title.split(/\s+/).filter(Boolean).join(' '));
      await refreshChats();
      return true;
    } catch (err) {
      setChatNotice(`Could not rename the chat: ${errorText(err)}`);
      return false;
    }
  };

  const deleteChat = async (id: string) => {
    try {
      await api.deleteChat(id);
      if (id === chatIdRef.current) newChat();
      setChatNotice('Chat deleted.');
      await refreshChats();
    } catch (err) {
      setChatNotice(`Could not delete the chat: ${errorText(err)}`);
    }
  };

  const exportChat = async (id: string) => {
    try {
      const path = await api.exportChatFile(id);
      setChatNotice(path ? `Saved to ${path}` : '');
    } catch (err) {
      setChatNotice(`Could not export the chat: ${errorText(err)}`);
    }
  };

  const openCitation = async (exchange: number, c: Citation) => {
    const req = ++sourceReq.current;
    setActiveCite({ exchange, n: c.n });
    const base = { n: c.n, path: c.path, changed: c.changed, citeSegments: c.segments ?? undefined };
    setSource({ ...base, loading: true });
    try {
      const src = await api.source(c.path, { start: c.start, end: c.end }, c.highlights ?? [], c.cell ?? null);
      if (req === sourceReq.current) setSource({ ...base, loading: false, source: src });
    } catch (err) {
      if (req === sourceReq.current) setSource({ ...base, loading: false, error: errorText(err) });
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
        onAddFolder={() => void addFolder()}
        progress={indexing ? progress : null}
        inputRef={inputRef}
        activeCite={activeCite}
        onAsk={ask}
        onStop={() => void stop()}
        onCite={openCitation}
        scope={validScope(scope, library)}
        scopeOptions={scopeOptions(library)}
        onScope={setScope}
        chatId={chatId}
        chatTitle={chatTitle}
        chats={chats}
        chatNotice={chatNotice}
        onNewChat={newChat}
        onOpenChat={(id) => void openChat(id)}
        onRenameChat={renameChat}
        onDeleteChat={(id) => void deleteChat(id)}
        onExportChat={(id) => void exportChat(id)}
        mode={answerMode(generator, status?.generator)}
        loading={loadLabel(modelLoad)}
        onSettings={() => setSettingsOpen(true)}
        settingsRef={settingsRef}
      />
      <SourcePanel
        state={source}
        onClose={() => {
          setSource(null);
          setActiveCite(null);
          inputRef.current?.focus();
        }}
      />
      {settingsOpen && (
        <SettingsDialog
          saved={generator}
          library={status && { dataDir: status.dataDir, encrypted: status.encrypted }}
          onClose={() => {
            setSettingsOpen(false);
            settingsRef.current?.focus();
          }}
          onModelsChanged={() => void refresh()}
          onSaved={(note) => {
            setSettingsOpen(false);
            setChatNotice(note);
            void refreshGenerator();
            settingsRef.current?.focus();
          }}
        />
      )}
      <DropOverlay />
    </div>
  );
}
