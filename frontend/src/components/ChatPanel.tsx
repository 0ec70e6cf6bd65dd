import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Answer, Citation } from '../api';
import { splitAnswer } from '../lib/answer';
import { baseName } from '../lib/paths';
import type { Scope } from '../lib/scope';
import { clipContext, isLineWrapped, normalizeSegments, reflow } from '../lib/segments';
import { citationPlace } from '../lib/sourceview';
import { Segments } from './Segments';

export interface Exchange {
  id: number;
  question: string;
  scope?: Scope; // what the question was limited to
  pending: boolean;
  answer?: Answer;
  error?: string;
}

interface Props {
  exchanges: Exchange[];
  hasLibrary: boolean;
  inputRef: RefObject<HTMLTextAreaElement>;
  activeCite: { exchange: number; n: number } | null;
  onAsk: (question: string) => void;
  onCite: (exchange: number, c: Citation) => void;
  scope: Scope;
  scopeOptions: { folders: string[]; types: string[] };
  onScope: (s: Scope) => void;
}

export function ChatPanel(p: Props) {
  const [text, setText] = useState('');
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
      <div class="chat-scroll" data-testid="chat">
        {p.exchanges.length === 0 ? (
          <EmptyState hasLibrary={p.hasLibrary} />
        ) : (
          p.exchanges.map((e) => (
            <ExchangeView key={e.id} e={e} activeN={p.activeCite?.exchange === e.id ? p.activeCite.n : 0} onCite={p.onCite} />
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
          <ScopePicker scope={p.scope} options={p.scopeOptions} onScope={p.onScope} />
        </div>
      </form>
      <div class="hint small muted">Ctrl/⌘ K focuses the question box · Esc closes the source</div>
    </main>
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

function EmptyState({ hasLibrary }: { hasLibrary: boolean }) {
  return (
    <div class="empty" data-testid="empty">
      <h1>Ask your documents</h1>
      {hasLibrary ? (
        <p>Type a question below. Every answer links each statement to the passage it came from.</p>
      ) : (
        <>
          <p>
            <strong>Drop folders onto this window</strong> (or use “Add folder…”) to build your library. PDF, Word,
            PowerPoint, Excel, OpenDocument, HTML, Markdown and text files are read on this computer; nothing is sent
            anywhere.
          </p>
          <p class="muted">Then ask a question. Each [n] in an answer opens the passage it came from, highlighted.</p>
        </>
      )}
    </div>
  );
}

function ExchangeView({ e, activeN, onCite }: { e: Exchange; activeN: number; onCite: (id: number, c: Citation) => void }) {
  const citations = e.answer?.citations ?? [];
  const byN = new Map(citations.map((c) => [c.n, c]));
  const statements = e.answer ? splitAnswer(e.answer.answer, citations.map((c) => c.n)) : [];
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
      {e.pending && (
        <div class="thinking" data-testid="thinking" role="status">
          Searching your documents<span class="dots" aria-hidden="true"><span>.</span><span>.</span><span>.</span></span>
        </div>
      )}
      {e.error && (
        <div class="error" role="alert" data-testid="error">
          <strong>Could not answer.</strong> {e.error}
        </div>
      )}
      {e.answer && (
        <div class="answer" data-testid="answer">
          {statements.map((s, i) => (
            <p key={i} class={s.note ? 'statement note' : 'statement'}>
              {s.parts.map((part, j) => {
                if (part.kind === 'text') return <span key={j}>{part.text}</span>;
                const c = byN.get(part.n);
                return (
                  <button
                    key={j}
                    type="button"
                    class={`cite${activeN === part.n ? ' active' : ''}`}
                    data-testid={`cite-${part.n}`}
                    title={c ? `${baseName(c.path)}${citationPlace(c) ? `, ${citationPlace(c)}` : ''}` : undefined}
                    aria-label={`Source ${part.n}`}
                    onClick={() => c && onCite(e.id, c)}
                  >
                    [{part.n}]
                  </button>
                );
              })}
            </p>
          ))}
          {citations.length > 0 && (
            <ol class="citations" aria-label="Sources">
              {citations.map((c) => (
                <li key={c.n} class={`citation${activeN === c.n ? ' active' : ''}`} data-testid={`citation-${c.n}`}>
                  <button type="button" class="citation-head" onClick={() => onCite(e.id, c)} title={c.path}>
                    <span class="cite-n">[{c.n}]</span> <span class="cite-file">{baseName(c.path)}</span>
                    {citationPlace(c) && (
                      <span class="muted cite-place" data-testid="cite-location"> · {citationPlace(c)}</span>
                    )}
                  </button>
                  <div class="citation-text">
                    <Segments segments={citationSegments(c)} />
                  </div>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </section>
  );
}

/** A citation's passage for its card: reflowed if line-wrapped, context clipped. */
function citationSegments(c: Citation) {
  const segs = normalizeSegments(c.segments?.length ? c.segments : [{ text: c.text, kind: 'passage' }]);
  return clipContext(isLineWrapped(c.path) ? reflow(segs) : segs);
}
