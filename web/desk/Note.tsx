// The internal-note composer: a chunk of its own, loaded when an agent
// first switches the composer to "Internal note", so the live desk's
// first load does not carry it. @ opens a list of agents (and "any
// supervisor online"); the picked ones go with the note as mentions.
import { useRef, useState } from 'preact/hooks';
import { newId } from '../shared/ids';
import { MAX_TEXT } from '../shared/protocol';
import { insertMention, matchMentions, type Mentionable, mentionAt, mentionsIn } from './mentions';
import { actionError } from './lifecycle';
import type { DeskStore } from './store';

const SUPERVISORS: Mentionable = { id: 'supervisors', name: 'supervisors' };

/** Writes a private comment in the open chat, with @mentions. */
export function NoteComposer({ store }: { store: DeskStore }) {
  const box = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState('');
  const [picked, setPicked] = useState<Mentionable[]>([]);
  const [at, setAt] = useState<{ start: number; query: string } | null>(null);
  const [active, setActive] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [id, setId] = useState(newId); // one note, however often it is retried

  const me = store.me.value?.id ?? store.agentId;
  const names = new Map<string, string>();
  for (const [aid, name] of store.agentDirectory.value) names.set(aid, name);
  for (const a of store.agents.value.values()) if (!a.disabled) names.set(a.id, a.name);
  names.delete(me);
  const everyone: Mentionable[] = [...names].map(([aid, name]) => ({ id: aid, name })).sort((a, b) => a.name.localeCompare(b.name));
  everyone.push(SUPERVISORS);
  const options = at ? matchMentions(everyone, at.query) : [];

  const look = (ta: HTMLTextAreaElement) => {
    const found = mentionAt(ta.value, ta.selectionStart ?? ta.value.length);
    setAt(found);
    setActive(0);
  };
  const pick = (m: Mentionable) => {
    const ta = box.current;
    if (!ta || !at) return;
    const r = insertMention(ta.value, at.start, ta.selectionStart ?? ta.value.length, m.name);
    setText(r.text);
    setPicked((p) => (p.some((x) => x.id === m.id) ? p : [...p, m]));
    setAt(null);
    requestAnimationFrame(() => {
      ta.focus();
      ta.setSelectionRange(r.caret, r.caret);
    });
  };
  const send = () => {
    if (!text.trim() || busy) return;
    setBusy(true);
    setError('');
    store
      .comment(text, mentionsIn(text, picked), id)
      .then(() => {
        setText('');
        setPicked([]);
        setId(newId());
      })
      .catch((err: { code?: string; message?: string }) => setError(actionError(err.code ?? '', err.message)))
      .finally(() => setBusy(false));
  };

  return (
    <form
      class="composer note-composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {options.length > 0 && (
        <ul class="mention-list" role="listbox" id="mention-list" aria-label="Mention an agent">
          {options.map((o, i) => (
            <li
              key={o.id}
              id={`mention-${o.id}`}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'on' : ''}
              onMouseDown={(e) => {
                e.preventDefault(); // keep the focus in the box
                pick(o);
              }}
            >
              {o.id === SUPERVISORS.id ? 'Any supervisor online' : o.name}
            </li>
          ))}
        </ul>
      )}
      <textarea
        ref={box}
        rows={2}
        maxLength={MAX_TEXT}
        aria-label="Internal note"
        role="combobox"
        aria-expanded={options.length > 0}
        aria-controls="mention-list"
        aria-autocomplete="list"
        aria-activedescendant={options.length > 0 ? `mention-${options[active]?.id}` : undefined}
        placeholder="Internal note: only your team sees it. @ to mention someone (Enter to add)"
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          look(e.currentTarget);
        }}
        onClick={(e) => look(e.currentTarget)}
        onKeyDown={(e) => {
          if (options.length > 0) {
            if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((i) => (i + (e.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length);
              return;
            }
            if (e.key === 'Enter' || e.key === 'Tab') {
              e.preventDefault();
              pick(options[active]);
              return;
            }
            if (e.key === 'Escape') {
              e.preventDefault();
              setAt(null);
              return;
            }
          }
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            send();
          }
        }}
      />
      <button type="submit" class="send" aria-label="Add note" disabled={busy}>
        <span>Add note</span>
      </button>
      {error && (
        <p class="field-error note-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
