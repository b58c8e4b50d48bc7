// "New ticket" at the foot of a column: work that did not start in a chat
// (a bug the team found, a request that came by phone). The ticket goes to
// the end of the column, in its stage; a requester is any contact
// (ContactPicker). Part of the boards chunk.
import { useState } from 'preact/hooks';
import type { Contact } from '../../shared/protocol';
import { ApiError } from '../api';
import { createTicket, type Priority, type Ticket } from './api';
import { ContactPicker } from './ContactPicker';
import { Options, PRIORITIES } from './Drawer';

export function NewTicket({ columnId, columnName, me, types, onMade }: {
  columnId: string;
  columnName: string;
  /** The signed-in agent's id ("Assign to me"). */
  me: string;
  types: string[];
  onMade: (t: Ticket) => void;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [requester, setRequester] = useState<Contact | null>(null);

  if (!open)
    return (
      <button type="button" class="btn ghost small lane-add" onClick={() => setOpen(true)}>
        + New ticket<span class="sr-only"> in {columnName}</span>
      </button>
    );
  return (
    <form
      class="new-ticket"
      aria-label={`New ticket in ${columnName}`}
      onSubmit={(e) => {
        e.preventDefault();
        const f = e.currentTarget.elements;
        const v = (n: string) => (f.namedItem(n) as HTMLInputElement).value;
        setBusy(true);
        setError('');
        createTicket({
          subject: v('subject'),
          description: v('description'),
          priority: v('priority') as Priority,
          type: v('type'),
          column_id: columnId,
          ...(requester ? { contact_id: requester.id } : {}),
          ...((f.namedItem('mine') as HTMLInputElement).checked ? { assignee_id: me } : {}),
        }).then(
          (t) => {
            setBusy(false);
            setOpen(false);
            setRequester(null);
            onMade(t);
          },
          (err: unknown) => {
            setBusy(false);
            setError(err instanceof ApiError ? err.message : 'The ticket could not be made. Try again.');
          },
        );
      }}
    >
      <label class="field">
        Subject
        <input name="subject" required autoFocus />
      </label>
      <label class="field">
        Description
        <textarea name="description" rows={2} />
      </label>
      <div class="drawer-row">
        <label class="field">
          Priority
          <select name="priority">
            <Options values={PRIORITIES} selected="normal" />
          </select>
        </label>
        <label class="field">
          Type
          <select name="type">
            <option value="">none</option>
            <Options values={types} />
          </select>
        </label>
      </div>
      {requester ? (
        <p class="requester">
          Requester: <strong>{requester.name || requester.email}</strong>{' '}
          <button type="button" class="link" onClick={() => setRequester(null)}>
            change
          </button>
        </p>
      ) : (
        <ContactPicker id={`requester-${columnId}`} label="Requester (a contact, optional)" onPick={setRequester} />
      )}
      <label class="check">
        <input name="mine" type="checkbox" /> Assign to me
      </label>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <div class="drawer-row">
        <button type="submit" class="btn primary small" disabled={busy}>
          Make ticket
        </button>
        <button type="button" class="btn ghost small" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
