import type { JSX, RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Answer, ChatSummary, Citation, Progress } from '../api';
import { splitAnswer } from '../lib/answer';
import { chatWhen } from '../lib/chats';
import { claimRecited, claimWarning, emphasize, markGenerated, type GenPiece } from '../lib/generated';
import { baseName } from '../lib/paths';
import type { Scope } from '../lib/scope';
import { clipContext, isLineWrapped, normalizeSegments, reflow } from '../lib/segments';
import { citationName, citationPlace } from '../lib/sourceview';
import { ConfirmButton } from './ConfirmButton';
import { Segments } from './Segments';

export interface Exchange {
  id: number;
  question: string;
  scope?: Scope; // what the question was limited to
  pending: boolean;
  /** The number the question was asked with; its answer:delta events carry it. */
  ticket?: number;
  /** A generator's text so far, while it writes. */
  streamed?: string;
  /** Stop was pressed while the question was being answered. */
  stopped?: boolean;
  answer?: Answer;
  error?: string;
}

interface Props {
  exchanges: Exchange[];
  hasLibrary: boolean;
  /** The welcome's "Add folder…" (the native folder picker). */
  onAddFolder?: () => void;
  /** Indexing progress while a run is going, for the welcome. */
  progress?: Progress | null;
  inputRef: RefObject<HTMLTextAreaElement>;
  activeCite: { exchange: number; n: number } | null;
  onAsk: (question: string) => void;
  onStop: () => void;
  onCite: (exchange: number, c: Citation) => void;
  scope: Scope;
  scopeOptions: { folders: string[]; types: string[] };
  onScope: (s: Scope) => void;
  // Chats
  chatId: string;
  chatTitle: string;
  chats: ChatSummary[];
  chatNotice: string;
  onNewChat: () => void;
  onOpenChat: (id: string) => void;
  onRenameChat: (id: string, title: string) => Promise<boolean>;
  onDeleteChat: (id: string) => void;
  onExportChat: (id: string) => void;
  // Generator
  mode: string;
  /** "Loading model… 45%" while the generator model loads, else "". */
  loading: string;
  onSettings: () => void;
  settingsRef: RefObject<HTMLButtonElement>;
}

export function ChatPanel(p: Props) {
  const [text, setText] = useState('');
  const [listOpen, setListOpen] = useState(false);
  const endRef = useRef<HTMLDivElement>(null);
  const busy = p.exchanges.some((e) => e.pending);

  useEffect(() => {
    endRef.current?.scrollIntoView({ block: 'end' });
  }, [p.exchanges]);

  const submit = () => {
    const q = text.trim();
    if (!q || busy) return;
    p.onAsk(q);
    setText('');
  };

  return (
    <main class="panel chat" aria-label="Chat">
      <header class="panel-head chat-head">
        <button
          type="button"
          class="btn btn-quiet"
          data-testid="chats-toggle"
          aria-expanded={listOpen}
          aria-controls="chat-list"
          title="Show or hide the saved chats"
          onClick={() => setListOpen((o) => !o)}
        >
          ☰ Chats
        </button>
        <h2 class="chat-title" data-testid="chat-title" title={p.chatTitle || 'New chat'}>
          {p.chatTitle || 'New chat'}
        </h2>
        <span class="mode-pill small" data-testid="answer-mode" title="How answers are made (Settings to change)">
          Answers: {p.mode}
        </span>
        <button type="button" class="btn btn-quiet" data-testid="new-chat" disabled={busy} title="Start a new chat (Alt N)" onClick={p.onNewChat}>
          New chat
        </button>
        <button
          type="button"
          class="btn btn-quiet"
          ref={p.settingsRef}
          data-testid="settings-open"
          aria-haspopup="dialog"
          title="Answer settings"
          onClick={p.onSettings}
        >
          ⚙ Settings
        </button>
      </header>
      {p.chatNotice && (
        <div class="chat-notice small" role="status" data-testid="chat-notice">
          {p.chatNotice}
        </div>
      )}
      <div class="chat-body">
        {listOpen && (
          <ChatList
            chats={p.chats}
            current={p.chatId}
            busy={busy}
            onOpen={p.onOpenChat}
            onRename={p.onRenameChat}
            onDelete={p.onDeleteChat}
            onExport={p.onExportChat}
          />
        )}
        <div class="chat-main">
          <div class="chat-scroll" data-testid="chat">
            {p.exchanges.length === 0 ? (
              <EmptyState hasLibrary={p.hasLibrary} onAddFolder={p.onAddFolder} progress={p.progress} />
            ) : (
              p.exchanges.map((e) => (
                <ExchangeView key={e.id} e={e} activeN={p.activeCite?.exchange === e.id ? p.activeCite.n : 0} onCite={p.onCite} loading={e.pending ? p.loading : ''} />
              ))
            )}
            <div ref={endRef} />
          </div>
          <form
            class="ask"
            onSubmit={(ev) => {
              ev.preventDefault();
              submit();
            }}
          >
            <label for="question" class="sr-only">Question</label>
            <textarea
              id="question"
              ref={p.inputRef}
              data-testid="question"
              rows={2}
              placeholder="Ask your documents…  (Enter to send, Shift+Enter for a new line)"
              value={text}
              onInput={(ev) => setText((ev.target as HTMLTextAreaElement).value)}
              onKeyDown={(ev) => {
                if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
                  ev.preventDefault();
                  submit();
                }
              }}
            />
            <div class="ask-side">
              <button class="btn btn-primary" type="submit" data-testid="ask" disabled={busy || !text.trim()}>
                Ask
              </button>
              {busy && (
                <button class="btn" type="button" data-testid="stop" title="Stop answering (Esc)" onClick={p.onStop}>
                  Stop
                </button>
              )}
              <ScopePicker scope={p.scope} options={p.scopeOptions} onScope={p.onScope} />
            </div>
          </form>
          <div class="hint small muted">
            Ctrl/⌘ K focuses the question box · Alt N new chat · Esc stops an answer or closes the source
          </div>
        </div>
      </div>
    </main>
  );
}

/** The saved chats, newest first, each with rename, export and delete. */
function ChatList(p: {
  chats: ChatSummary[];
  current: string;
  busy: boolean;
  onOpen: (id: string) => void;
  onRename: (id: string, title: string) => Promise<boolean>;
  onDelete: (id: string) => void;
  onExport: (id: string) => void;
}) {
  const [editing, setEditing] = useState('');
  return (
    <nav class="chat-list" id="chat-list" data-testid="chat-list" aria-label="Saved chats">
      {p.chats.length === 0 ? (
        <p class="muted small pad">No saved chats yet. Each question you ask is kept here with its sources.</p>
      ) : (
        <ul>
          {p.chats.map((c) => (
            <li key={c.id} class={`chat-item${c.id === p.current ? ' current' : ''}`} data-testid="chat-item" data-id={c.id}>
              {editing === c.id ? (
                <RenameInput
                  title={c.title}
                  onSave={async (t) => {
                    if (await p.onRename(c.id, t)) setEditing('');
                  }}
                  onCancel={() => setEditing('')}
                />
              ) : (
                <button
                  type="button"
                  class="chat-open"
                  data-testid="chat-open"
                  aria-current={c.id === p.current ? 'true' : undefined}
                  disabled={p.busy}
                  title={c.title}
                  onClick={() => p.onOpen(c.id)}
                >
                  <span class="chat-item-title" data-testid="chat-item-title">{c.title}</span>
                  <span class="chat-item-meta small muted">
                    {chatWhen(c.updated)} · {c.turns} question{c.turns === 1 ? '' : 's'}
                  </span>
                </button>
              )}
              {editing !== c.id && (
                <div class="chat-actions">
                  <button type="button" class="btn btn-quiet btn-small" data-testid="chat-rename" aria-label={`Rename “${c.title}”`} title="Rename" onClick={() => setEditing(c.id)}>
                    Rename
                  </button>
                  <button type="button" class="btn btn-quiet btn-small" data-testid="chat-export" aria-label={`Export “${c.title}” to Markdown`} title="Save as Markdown, sources as footnotes" onClick={() => p.onExport(c.id)}>
                    Export
                  </button>
                  <ConfirmButton
                    label="Delete"
                    confirm="Delete chat?"
                    testId="chat-delete"
                    title="Delete this chat"
                    ariaLabel={`Delete “${c.title}”`}
                    ariaLabelArmed={`Really delete “${c.title}”?`}
                    disabled={p.busy && c.id === p.current}
                    onConfirm={() => p.onDelete(c.id)}
                  />
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}

/** The title being edited: Enter saves, Esc cancels. */
function RenameInput({ title, onSave, onCancel }: { title: string; onSave: (t: string) => void; onCancel: () => void }) {
  const ref = useRef<HTMLInputElement>(null);
  const [value, setValue] = useState(title);
  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);
  return (
    <input
      ref={ref}
      class="chat-rename-input"
      data-testid="chat-rename-input"
      aria-label="Chat title (Enter saves, Esc cancels)"
      value={value}
      onInput={(ev) => setValue((ev.target as HTMLInputElement).value)}
      onKeyDown={(ev) => {
        if (ev.key === 'Enter' && !ev.isComposing) {
          ev.preventDefault();
          if (value.trim()) onSave(value.trim());
        } else if (ev.key === 'Escape') {
          ev.preventDefault();
          ev.stopPropagation();
          onCancel();
        }
      }}
      onBlur={onCancel}
    />
  );
}


/** Limits the next questions to one folder and/or one file type. */
function ScopePicker({ scope, options, onScope }: { scope: Scope; options: Props['scopeOptions']; onScope: (s: Scope) => void }) {
  if (options.folders.length < 2 && options.types.length < 2) return null;
  return (
    <div class="scope small" data-testid="scope">
      <ScopeSelect
        label="Search in folder"
        testId="scope-folder"
        all="All folders"
        value={scope.folder}
        choices={options.folders.map((f) => ({ value: f, text: baseName(f), title: f }))}
        onChange={(folder) => onScope({ ...scope, folder })}
      />
      <ScopeSelect
        label="Search files of type"
        testId="scope-type"
        all="All types"
        value={scope.type}
        choices={options.types.map((t) => ({ value: t, text: `.${t} only` }))}
        onChange={(type) => onScope({ ...scope, type })}
      />
    </div>
  );
}

/** One of the scope's selects; hidden when there is nothing to choose. */
function ScopeSelect(p: {
  label: string;
  testId: string;
  all: string;
  value: string;
  choices: { value: string; text: string; title?: string }[];
  onChange: (value: string) => void;
}) {
  if (p.choices.length < 2) return null;
  return (
    <select
      aria-label={p.label}
      data-testid={p.testId}
      value={p.value}
      onChange={(ev) => p.onChange((ev.target as HTMLSelectElement).value)}
    >
      <option value="">{p.all}</option>
      {p.choices.map((c) => (
        <option key={c.value} value={c.value} title={c.title}>
          {c.text}
        </option>
      ))}
    </select>
  );
}

/** The scope a question was asked in, for its bubble ("" for everything). */
function scopeLabel(s?: Scope): string {
  if (!s) return '';
  return [s.folder && `in ${baseName(s.folder)}`, s.type && `.${s.type} only`].filter(Boolean).join(' · ');
}

function EmptyState({ hasLibrary, onAddFolder, progress }: { hasLibrary: boolean; onAddFolder?: () => void; progress?: Progress | null }) {
  return (
    <div class="empty" data-testid="empty">
      <h1>{hasLibrary ? 'Ask your documents' : 'Welcome to Folio'}</h1>
      {progress && progress.phase !== 'done' ? (
        <p data-testid="welcome-progress" role="status">
          Reading your files: {progress.filesDone} of {progress.filesTotal || '…'}
          {progress.chunks > 0 ? ` · ${progress.chunks} passages so far` : ''}. You can ask as soon as the first ones are in.
        </p>
      ) : null}
      {hasLibrary ? (
        <p>Type a question below. Every answer links each statement to the passage it came from.</p>
      ) : (
        <>
          <p>
            <strong>Drop folders onto this window</strong> (or use “Add folder…”) to build your library. PDF, Word,
            PowerPoint and Excel (old and new), OpenDocument, RTF, e-mail (.eml, .msg), HTML, Markdown and text files
            are read on this computer; nothing is sent anywhere.
          </p>
          {onAddFolder && (
            <p>
              <button type="button" class="btn" data-testid="welcome-add" onClick={onAddFolder}>
                Add folder…
              </button>
            </p>
          )}
          <p class="muted">Then ask a question. Each [n] in an answer opens the passage it came from, highlighted.</p>
        </>
      )}
    </div>
  );
}

/** A [n] button that opens citation c (or a flagged [n?] when there is no such source). */
function CiteButton(p: { n: number; c?: Citation; active: boolean; onCite: () => void }) {
  if (!p.c) {
    return (
      <span class="cite missing" data-testid="cite-missing" role="note" title={`There is no source [${p.n}]`} aria-label={`Source ${p.n} does not exist`}>
        [{p.n}?]
      </span>
    );
  }
  const c = p.c;
  return (
    <button
      type="button"
      class={`cite${p.active ? ' active' : ''}`}
      data-testid={`cite-${p.n}`}
      title={`${citationName(c)}${citationPlace(c) ? `, ${citationPlace(c)}` : ''}`}
      aria-label={`Source ${p.n}`}
      onClick={p.onCite}
    >
      [{p.n}]
    </button>
  );
}

function ExchangeView({ e, activeN, onCite, loading }: { e: Exchange; activeN: number; onCite: (id: number, c: Citation) => void; loading: string }) {
  const a = e.answer;
  const citations = a?.citations ?? [];
  const byN = new Map(citations.map((c) => [c.n, c]));
  const cite = (n: number) => <CiteButton n={n} c={byN.get(n)} active={activeN === n} onCite={() => byN.get(n) && onCite(e.id, byN.get(n)!)} />;
  const notFound = !!a && a.found === false && a.mode !== 'generated' && !(a.statements?.length);
  return (
    <section class="exchange" data-testid="exchange" aria-busy={e.pending}>
      <div class="question-bubble">
        {e.question}
        {scopeLabel(e.scope) && (
          <div class="scope-label small" data-testid="question-scope">
            {scopeLabel(e.scope)}
          </div>
        )}
      </div>
      {e.pending && !e.streamed && !loading && (
        <div class="thinking" data-testid="thinking" role="status">
          Searching your documents<span class="dots" aria-hidden="true"><span>.</span><span>.</span><span>.</span></span>
        </div>
      )}
      {e.pending && !e.streamed && loading && (
        <div class="thinking model-loading" data-testid="model-loading" role="status">
          {loading}
        </div>
      )}
      {e.pending && e.streamed && (
        <div class="answer streaming" data-testid="streaming" aria-live="polite">
          <div class="muted small">Writing the answer…</div>
          <p class="statement gen">
            {e.streamed}
            <span class="caret" aria-hidden="true" />
          </p>
        </div>
      )}
      {e.stopped && (
        <div class="muted small stopped" role="status" data-testid="stopped">
          Stopped. Nothing was saved for this question.
        </div>
      )}
      {e.error && (
        <div class="error" role="alert" data-testid="error">
          <strong>Could not answer.</strong> {e.error}
        </div>
      )}
      {a && (
        <div class="answer" data-testid="answer" data-mode={a.mode}>
          {a.notice && (
            <div class="answer-notice small" role="note" data-testid="answer-notice">
              {a.notice}
            </div>
          )}
          {a.mode === 'generated' ? (
            <GeneratedAnswer answer={a} cite={cite} />
          ) : notFound ? (
            <p class="statement note" data-testid="not-found">
              {a.answer}
            </p>
          ) : a.statements?.length ? (
            a.statements.map((s, i) => {
              const em = emphasize(s.text, s.answer);
              return (
                <p key={i} class="statement">
                  {em ? (
                    <span>
                      {em.before}
                      <strong class="ans" data-testid="statement-answer">{em.answer}</strong>
                      {em.after}
                    </span>
                  ) : (
                    <span>{s.text}</span>
                  )}
                  {cite(s.n)}
                </p>
              );
            })
          ) : (
            splitAnswer(a.answer, citations.map((c) => c.n)).map((s, i) => (
              <p key={i} class={s.note ? 'statement note' : 'statement'}>
                {s.parts.map((part, j) => (part.kind === 'text' ? <span key={j}>{part.text}</span> : <span key={j}>{cite(part.n)}</span>))}
              </p>
            ))
          )}
          {citations.length > 0 && (
            <>
              {notFound && <div class="small muted citations-head">The closest passages:</div>}
              <ol class="citations" aria-label={notFound ? 'Closest passages' : 'Sources'}>
                {citations.map((c) => (
                  <li key={c.n} class={`citation${activeN === c.n ? ' active' : ''}`} data-testid={`citation-${c.n}`}>
                    <button type="button" class="citation-head" onClick={() => onCite(e.id, c)} title={c.path}>
                      <span class="cite-n">[{c.n}]</span> <span class="cite-file">{citationName(c)}</span>
                      {citationPlace(c) && (
                        <span class="muted cite-place" data-testid="cite-location"> · {citationPlace(c)}</span>
                      )}
                    </button>
                    {c.changed && (
                      <span class="badge-changed small" data-testid="cite-changed" role="note">
                        {c.changed}
                      </span>
                    )}
                    <div class="citation-text">
                      <Segments segments={citationSegments(c)} />
                    </div>
                  </li>
                ))}
              </ol>
            </>
          )}
        </div>
      )}
    </section>
  );
}

/**
 * A generated answer: its text with [n] markers, each sentence the check
 * found unsupported underlined with a warning, markers to sources that do
 * not exist flagged as [n?].
 */
function GeneratedAnswer({ answer, cite }: { answer: Answer; cite: (n: number) => JSX.Element }) {
  const known = new Set((answer.citations ?? []).map((c) => c.n));
  const claims = answer.claims ?? [];
  const lines = markGenerated(answer.answer, claims, known);
  const warning = (ci: number) => (ci >= 0 && claims[ci] ? claimWarning(claims[ci], known) : '');
  const lastOf = (pieces: GenPiece[], i: number) => {
    const ci = pieces[i].claim;
    return !pieces.slice(i + 1).some((q) => q.kind === 'text' && q.claim === ci);
  };
  return (
    <>
      {lines.map((pieces, li) => (
        <p key={li} class="statement gen">
          {pieces.map((piece, i) => {
            if (piece.kind === 'cite') {
              const moved = piece.claim >= 0 && claims[piece.claim] ? claimRecited(claims[piece.claim]) : '';
              if (!moved) return <span key={i}>{cite(piece.n)}</span>;
              return (
                <span key={i} class="recited" data-testid="recited" title={moved}>
                  {cite(piece.n)}
                </span>
              );
            }
            // "text [1]" reads as "text[1]", the marker set as a superscript.
            const text = pieces[i + 1]?.kind === 'cite' ? piece.text.trimEnd() : piece.text;
            const w = warning(piece.claim);
            if (!w) return <span key={i}>{text}</span>;
            return (
              <span key={i}>
                <span class="unsupported" data-testid="unsupported" title={w} aria-label={`${text} (${w})`}>
                  {text}
                </span>
                {lastOf(pieces, i) && (
                  <span class="warn-icon" title={w} aria-hidden="true">
                    ⚠
                  </span>
                )}
              </span>
            );
          })}
        </p>
      ))}
    </>
  );
}

/** A citation's passage for its card: reflowed if line-wrapped, context clipped. */
function citationSegments(c: Citation) {
  const segs = normalizeSegments(c.segments?.length ? c.segments : [{ text: c.text, kind: 'passage' }]);
  return clipContext(isLineWrapped(c.path) ? reflow(segs) : segs);
}
