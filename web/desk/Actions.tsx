import { useEffect, useState } from 'preact/hooks';
import type { Conversation } from '../shared/protocol';
import { call } from './api';
import { FlagIcon } from './icons';
import { lazy } from './lazy';
import { actionError, rfc3339 } from './lifecycle';
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
          {c.status !== 'closed' && c.assignee_id && !c.ticket_id && (
            <button
              type="button"
              class="btn secondary small"
              disabled={busy}
              onClick={() => run(() => call('POST', `/conversations/${c.id}/ticket`))}
            >
              Make a ticket
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

/** The snooze menu's presets (their own chunk, loaded when it opens). */
const LazySnoozeList = lazy(() => import('./Snooze').then((m) => m.SnoozeList));

/** Snooze presets in a small menu: in an hour, tomorrow 9:00, next week. */
function SnoozeMenu({ disabled, onPick }: { disabled: boolean; onPick: (until: Date) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <div class="menu-wrap">
      <button type="button" class="btn secondary small" disabled={disabled} aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        Snooze ▾
      </button>
      {open && (
        <LazySnoozeList
          onPick={(until: Date) => {
            setOpen(false);
            onPick(until);
          }}
          onClose={() => setOpen(false)}
        />
      )}
    </div>
  );
}
