// Paging through older closed chats: its own chunk (ConversationList.tsx),
// loaded when the Closed tab's end is shown.
import { useState } from 'preact/hooks';
import type { DeskStore } from './store';

/** Pages through older closed chats (the desk starts with the latest 100). */
export function OlderClosed({ store }: { store: DeskStore }) {
  const [state, setState] = useState<'idle' | 'loading' | 'done' | 'failed'>('idle');
  if (state === 'done') return <p class="muted small-note">No older closed chats.</p>;
  return (
    <button
      type="button"
      class="btn secondary small"
      disabled={state === 'loading'}
      onClick={() => {
        setState('loading');
        store
          .loadOlderClosed()
          .then((n) => setState(n === 0 ? 'done' : 'idle'))
          .catch(() => setState('failed'));
      }}
    >
      {state === 'failed' ? 'Loading failed: try again' : state === 'loading' ? 'Loading…' : 'Load older closed chats'}
    </button>
  );
}
