import { useEffect, useRef, useState } from 'preact/hooks';
import type { Conversation } from '../shared/protocol';
import { FlagIcon } from './icons';
import { actionError, MAX_NOTE, MAX_NOTES, parseTags, rfc3339, snoozePresets, tagsProblem } from './lifecycle';
import { conversationActions } from './permissions';
import type { DeskStore } from './store';

type Failure = { code?: string; message?: string };

/**
 * The lifecycle actions of the open conversation, by status: pick up, flag,
 * transfer, mark pending, snooze, close, reopen, wrap-up.
 */
export function ActionBar({ store, c }: { store: DeskStore; c: Conversation }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [transferring, setTransferring] = useState(false);
  useEffect(() => setError(''), [c.id]);
  const may = conversationActions(c, store.me.value?.id, store.permissions.value);
  const run = (p: () => Promise<unknown>) => {
    setBusy(true);
    setError('');
    p()
      .catch((err: Failure) => setError(actionError(err.code ?? '', err.message)))
      .finally(() => setBusy(false));
  };
  const status = (s: Conversation['status'], until?: string) => run(() => store.setConversationStatus(c.id, s, until));
  const owner = store.agentName(c.assignee_id) ?? 'another agent';

  return (
    <div class="pane-actions-wrap">
      {may.manage ? (
        <div class="pane-actions" role="toolbar" aria-label="Conversation actions">
          {may.pickUp && (
            <button type="button" class="btn primary small" disabled={busy} onClick={() => run(() => store.pickUp(c.id))}>
              Pick up
            </button>
          )}
          {may.reopen && (
            <button type="button" class="btn secondary small" disabled={busy} onClick={() => status('open')}>
              Reopen
            </button>
          )}
          {may.markPending && (
            <button type="button" class="btn secondary small" disabled={busy} onClick={() => status('pending')}>
              Mark pending
            </button>
          )}
          {may.snooze && <SnoozeMenu disabled={busy} onPick={(until) => status('snoozed', rfc3339(until))} />}
          {may.transfer && (
            <button type="button" class="btn secondary small" disabled={busy} aria-haspopup="dialog" onClick={() => setTransferring(true)}>
              Transfer
            </button>
          )}
          {may.flag && (
            <button
              type="button"
              class={c.flagged ? 'btn secondary small flag on' : 'btn secondary small flag'}
              aria-pressed={Boolean(c.flagged)}
              disabled={busy}
              title="A flagged chat is never closed for inactivity nor reassigned"
              onClick={() => run(() => store.setFlag(c.id, !c.flagged))}
            >
              <FlagIcon />
              {c.flagged ? 'Flagged' : 'Flag'}
            </button>
          )}
          <span class="spacer" />
          {may.close && (
            <button type="button" class="btn danger small" disabled={busy} onClick={() => status('closed')}>
              Close
            </button>
          )}
          {may.wrapup && store.wrapupFor.value !== c.id && (
            <button type="button" class="btn secondary small" onClick={() => (store.wrapupFor.value = c.id)}>
              {c.wrapup_notes || (c.wrapup_tags?.length ?? 0) > 0 ? 'Edit wrap-up' : 'Add wrap-up'}
            </button>
          )}
        </div>
      ) : (
        <p class="pane-actions muted">Assigned to {owner}: only they or a supervisor can change its status.</p>
      )}
      {error && (
        <p class="action-error" role="alert">
          {error}
        </p>
      )}
      {transferring && <TransferDialog store={store} c={c} onDone={() => setTransferring(false)} />}
    </div>
  );
}

/** Snooze presets in a small menu: in an hour, tomorrow 9:00, next week. */
function SnoozeMenu({ disabled, onPick }: { disabled: boolean; onPick: (until: Date) => void }) {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const away = (e: Event) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', away);
    document.addEventListener('keydown', esc);
    box.current?.querySelector<HTMLButtonElement>('[role=menuitem]')?.focus();
    return () => {
      document.removeEventListener('mousedown', away);
      document.removeEventListener('keydown', esc);
    };
  }, [open]);
  const presets = open ? snoozePresets(new Date()) : [];
  const fmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
  return (
    <div class="menu-wrap" ref={box}>
      <button type="button" class="btn secondary small" disabled={disabled} aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        Snooze ▾
      </button>
      {open && (
        <div class="menu" role="menu" aria-label="Snooze until">
          {presets.map((p) => (
            <button
              key={p.id}
              type="button"
              role="menuitem"
              class="menu-item"
              onClick={() => {
                setOpen(false);
                onPick(p.until);
              }}
            >
              <span>{p.label}</span>
              <span class="muted">{fmt.format(p.until)}</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** Hands the chat to an agent or a department, with an internal note. */
function TransferDialog({ store, c, onDone }: { store: DeskStore; c: Conversation; onDone: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [kind, setKind] = useState<'agent' | 'department'>('agent');
  const [target, setTarget] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  const live = store.agents.value;
  const ids = new Set([...live.keys(), ...store.agentDirectory.value.keys()]);
  const agents = [...ids]
    .filter((id) => id !== c.assignee_id)
    .map((id) => {
      const a = live.get(id);
      return { id, name: store.agentName(id) ?? id, status: a?.away ? 'away (desk closed)' : (a?.status ?? 'offline') };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const departments = store.departments.value;
  const options = kind === 'agent' ? agents.map((a) => ({ id: a.id, label: `${a.name} — ${a.status}` })) : departments.map((d) => ({ id: d.id, label: d.name }));

  const submit = (e: Event) => {
    e.preventDefault();
    if (!target) {
      setError(kind === 'agent' ? 'Choose an agent.' : 'Choose a department.');
      return;
    }
    setBusy(true);
    setError('');
    store
      .transfer(c.id, kind === 'agent' ? { agent_id: target } : { department_id: target }, note)
      .then(() => {
        ref.current?.close();
        onDone();
      })
      .catch((err: Failure) => setError(actionError(err.code ?? '', err.message)))
      .finally(() => setBusy(false));
  };

  return (
    <dialog ref={ref} class="modal" aria-labelledby="transfer-title" onClose={onDone}>
      <form class="modal-body" onSubmit={submit} noValidate>
        <h2 id="transfer-title">Transfer chat</h2>
        <p class="muted">The chat moves to the new owner at once. The note is internal: the visitor never sees it.</p>
        <fieldset class="seg-choice">
          <legend>Transfer to</legend>
          {(['agent', 'department'] as const).map((k) => (
            <label key={k} class={kind === k ? 'on' : ''}>
              <input
                type="radio"
                name="kind"
                value={k}
                checked={kind === k}
                onChange={() => {
                  setKind(k);
                  setTarget('');
                  setError('');
                }}
              />
              {k === 'agent' ? 'An agent' : 'A department'}
            </label>
          ))}
        </fieldset>
        <label class="field">
          {kind === 'agent' ? 'Agent' : 'Department'}
          <select value={target} onChange={(e) => setTarget(e.currentTarget.value)} required>
            <option value="">{kind === 'agent' ? 'Choose an agent…' : 'Choose a department…'}</option>
            {options.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        {kind === 'department' && departments.length === 0 && <p class="muted">This workspace has no departments yet.</p>}
        <label class="field">
          Internal note <span class="muted">(optional)</span>
          <textarea rows={3} maxLength={MAX_NOTE} value={note} onInput={(e) => setNote(e.currentTarget.value)} placeholder="What the next agent should know" />
          <span class="hint">
            {note.length} / {MAX_NOTE}
          </span>
        </label>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <div class="modal-buttons">
          <button
            type="button"
            class="btn secondary"
            onClick={() => {
              ref.current?.close();
              onDone();
            }}
          >
            Cancel
          </button>
          <button type="submit" class="btn primary" disabled={busy}>
            {busy ? 'Transferring…' : 'Transfer'}
          </button>
        </div>
      </form>
    </dialog>
  );
}

const SUGGESTED_TAGS = ['resolved', 'follow-up', 'sales', 'billing', 'bug'];

/** After a close: notes and outcome tags, stored with conversation.wrapup. */
export function WrapupForm({ store, c }: { store: DeskStore; c: Conversation }) {
  const [notes, setNotes] = useState(c.wrapup_notes ?? '');
  const [tagText, setTagText] = useState((c.wrapup_tags ?? []).join(', '));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const tags = parseTags(tagText);
  const problem = tagsProblem(tags);
  const submit = (e: Event) => {
    e.preventDefault();
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError('');
    store
      .wrapup(c.id, notes.trim(), tags)
      .catch((err: Failure) => setError(actionError(err.code ?? '', err.message)))
      .finally(() => setBusy(false));
  };
  return (
    <form class="wrapup" aria-labelledby="wrapup-title" onSubmit={submit} noValidate>
      <div class="wrapup-head">
        <h2 id="wrapup-title">Wrap-up</h2>
        <span class="muted">Internal: stored with the conversation, never shown to the visitor.</span>
      </div>
      <label class="field">
        Notes
        <textarea rows={3} maxLength={MAX_NOTES} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} placeholder="How did it end? Anything to follow up?" />
      </label>
      <label class="field">
        Outcome tags <span class="muted">(comma-separated)</span>
        <input type="text" value={tagText} onInput={(e) => setTagText(e.currentTarget.value)} placeholder="e.g. resolved, shipping" />
      </label>
      <div class="tag-row" aria-label="Tags">
        {tags.map((t) => (
          <span key={t} class="tag outcome">
            {t}
          </span>
        ))}
        {SUGGESTED_TAGS.filter((t) => !tags.includes(t)).map((t) => (
          <button key={t} type="button" class="tag suggest" onClick={() => setTagText(tags.length ? `${tags.join(', ')}, ${t}` : t)}>
            + {t}
          </button>
        ))}
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="modal-buttons">
        <button type="button" class="btn ghost" onClick={() => (store.wrapupFor.value = '')}>
          Skip
        </button>
        <button type="submit" class="btn primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save wrap-up'}
        </button>
      </div>
    </form>
  );
}
