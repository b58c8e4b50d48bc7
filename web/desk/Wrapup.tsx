// The wrap-up form, shown after a close: its own chunk (Conversation-
// Pane.tsx), so the live desk's first load does not carry it.
import { useState } from 'preact/hooks';
import type { Conversation } from '../shared/protocol';
import { actionError, MAX_NOTES, parseTags, tagsProblem } from './lifecycle';
import type { DeskStore } from './store';

type Failure = { code?: string; message?: string };

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
