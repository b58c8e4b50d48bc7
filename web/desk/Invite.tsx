// The proactive chat form: its own chunk (ConversationPane.tsx), loaded
// when an agent opens a visitor who is browsing without a chat.
import { useState } from 'preact/hooks';
import { newId } from '../shared/ids';
import { MAX_TEXT } from '../shared/protocol';
import type { DeskStore } from './store';

/** Starts a chat with the browsing visitor: the first message goes to their widget at once. */
export function Invite({ store, visitorId }: { store: DeskStore; visitorId: string }) {
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [id] = useState(newId); // one invitation, however often it is retried
  const submit = (e: Event) => {
    e.preventDefault();
    if (!text.trim()) return setError('Write the first message.');
    setBusy(true);
    setError('');
    store
      .invite(visitorId, text.trim(), id)
      .catch((err: { code?: string; message?: string }) =>
        setError(err.code === 'visitor_in_chat' ? 'They are already chatting with another agent.' : (err.message ?? 'The chat could not be started. Try again.')),
      )
      .finally(() => setBusy(false));
  };
  return (
    <form class="invite" onSubmit={submit} noValidate>
      <label for="invite-text">Start a chat</label>
      <textarea id="invite-text" rows={3} maxLength={MAX_TEXT} placeholder="Hi! Can I help you find something?" value={text} onInput={(e) => setText(e.currentTarget.value)} />
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="btn primary" disabled={busy}>
        Send and open the chat
      </button>
    </form>
  );
}

