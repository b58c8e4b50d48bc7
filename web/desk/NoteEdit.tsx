// Editing and deleting one's own comment: its own chunk
// (ConversationPane.tsx), loaded where an agent's own notes are shown.
import { useState } from 'preact/hooks';
import { MAX_TEXT } from '../shared/protocol';
import { actionError } from './lifecycle';
import type { DeskStore } from './store';

type Failure = { code?: string; message?: string };

/** The form that replaces a comment's text while it is edited. */
export function NoteEdit({ store, id, body, onDone }: { store: DeskStore; id: string; body: string; onDone: () => void }) {
  const [error, setError] = useState('');
  return (
    <form
      class="note-edit"
      onSubmit={(e) => {
        e.preventDefault();
        const text = (e.currentTarget.elements.namedItem('text') as HTMLTextAreaElement).value;
        if (text.trim())
          store
            .reviseComment(id, text)
            .then(onDone)
            .catch((err: Failure) => setError(actionError(err.code ?? '', err.message)));
      }}
    >
      <textarea name="text" rows={2} maxLength={MAX_TEXT} aria-label="Edit the note" defaultValue={body} />
      <button type="submit" class="btn primary small">
        Save
      </button>
      <button type="button" class="btn ghost small" onClick={onDone}>
        Cancel
      </button>
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

/** Edit and Delete (with a confirmation) under one's own comment. */
export function NoteActions({ store, id, onEdit }: { store: DeskStore; id: string; onEdit: () => void }) {
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState('');
  return (
    <span class="note-actions">
      {confirm ? (
        <>
          Delete this note?{' '}
          <button
            type="button"
            class="link danger-text"
            onClick={() => store.reviseComment(id, null).catch((err: Failure) => setError(actionError(err.code ?? '', err.message)))}
          >
            Delete
          </button>{' '}
          <button type="button" class="link" onClick={() => setConfirm(false)}>
            Keep
          </button>
        </>
      ) : (
        <>
          <button type="button" class="link" onClick={onEdit}>
            Edit
          </button>{' '}
          <button type="button" class="link" onClick={() => setConfirm(true)}>
            Delete
          </button>
        </>
      )}
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
