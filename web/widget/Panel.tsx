import type { Ref } from 'preact';
import { Composer } from '../shared/Composer';
import { CloseIcon, SendIcon } from './icons';
import { Messages } from './Messages';
import type { WidgetStore } from './store';

const banners: Partial<Record<string, string>> = {
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  failed: 'Chat is unavailable right now.',
};

/** The chat panel: header, connection banner, messages, typing, composer. */
export function Panel({ store, inputRef }: { store: WidgetStore; inputRef: Ref<HTMLTextAreaElement> }) {
  const banner = banners[store.conn.value];
  const typing = store.agentTyping.value;
  const name = store.siteName.value || 'Chat';
  return (
    <section
      id="ld-panel"
      class="panel"
      role="dialog"
      aria-label={`Chat with ${name}`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') store.close();
      }}
    >
      <header class="head">
        <div class="avatar" aria-hidden="true">
          {name.slice(0, 1).toUpperCase()}
        </div>
        <div class="title">
          <h2>{name}</h2>
          <p>We reply as soon as we can</p>
        </div>
        <button type="button" class="icon" aria-label="Close chat" onClick={() => store.close()}>
          <CloseIcon />
        </button>
      </header>
      {banner && (
        <div class={`banner ${store.conn.value}`} role="status">
          {banner}
        </div>
      )}
      <Messages store={store} />
      <div class="typing" aria-live="polite">
        {typing && (
          <>
            <span class="dots" aria-hidden="true">
              <i />
              <i />
              <i />
            </span>
            {typing} is typing…
          </>
        )}
      </div>
      {store.closed.value && <p class="ended">This conversation has ended. Write to start a new one.</p>}
      <Composer inputRef={inputRef} placeholder="Write a message…" onSend={(t) => store.send(t)} onInput={() => store.input()}>
        <SendIcon />
      </Composer>
    </section>
  );
}
