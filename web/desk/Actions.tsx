import { useEffect, useRef, useState } from 'preact/hooks';
import type { Conversation } from '../shared/protocol';
import { FlagIcon } from './icons';
import { actionError, MAX_NOTES, parseTags, rfc3339, snoozePresets, tagsProblem } from './lifecycle';
import { conversationActions } from './permissions';
import type { DeskStore } from './store';

type Failure = { code?: string; message?: string };
type TransferModule = typeof import('./Transfer');

/**
 * The lifecycle actions of the open conversation, by status: pick up, flag,
 * transfer, mark pending, snooze, close, reopen, wrap-up.
 */
export function ActionBar({ store, c }: { store: DeskStore; c: Conversation }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [Transfer, setTransfer] = useState<TransferModule['TransferDialog'] | null>(null);
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
            <button
              type="button"
              class="btn secondary small"
              disabled={busy}
              aria-haspopup="dialog"
              onClick={() =>
                import('./Transfer').then(
                  (m) => setTransfer(() => m.TransferDialog),
                  () => setError('The transfer dialog cannot be loaded. Reload the page to try again.'),
                )
              }
            >
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
      {Transfer && <Transfer store={store} c={c} onDone={() => setTransfer(null)} />}
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
