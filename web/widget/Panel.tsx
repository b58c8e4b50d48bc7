import type { RefObject } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Composer } from '../shared/Composer';
import { agentLabel } from '../shared/look';
import { TypingLine } from '../shared/TypingLine';
import { CloseIcon, SendIcon } from './icons';
import { Messages } from './Messages';
import type { WidgetStore } from './store';

const banners: Partial<Record<string, string>> = {
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  failed: 'Chat is unavailable right now.',
};

/** The chat panel: header, connection banner, messages, typing, composer. */
export function Panel({ store, inputRef }: { store: WidgetStore; inputRef: RefObject<HTMLTextAreaElement> }) {
  const banner = banners[store.conn.value];
  const typing = store.agentTyping.value;
  const name = store.siteName.value || 'Chat';
  const ended = store.closed.value;
  const [confirming, setConfirming] = useState(false);
  const [endError, setEndError] = useState('');
  useEffect(() => {
    if (!store.active.value) setConfirming(false);
  }, [store.active.value]);
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
        {store.active.value && (
          <button type="button" class="end" aria-expanded={confirming} onClick={() => setConfirming(!confirming)}>
            End chat
          </button>
        )}
        <button type="button" class="icon" aria-label="Close chat" onClick={() => store.close()}>
          <CloseIcon />
        </button>
      </header>
      {confirming && (
        <div class="confirm" role="alertdialog" aria-label="End this chat?">
          <span>End this chat? You can start a new one at any time.</span>
          <span class="confirm-buttons">
            <button type="button" class="ghost" onClick={() => setConfirming(false)}>
              Keep chatting
            </button>
            <button
              type="button"
              class="solid"
              onClick={() => {
                setEndError('');
                store
                  .endChat()
                  .then(() => setConfirming(false))
                  .catch(() => setEndError('The chat could not be ended. Try again.'));
              }}
            >
              End chat
            </button>
          </span>
          {endError && <span class="error">{endError}</span>}
        </div>
      )}
      {banner && (
        <div class={`banner ${store.conn.value}`} role="status">
          {banner}
        </div>
      )}
      <Messages store={store} />
      <TypingLine class="typing" name={typing && agentLabel(store.look.value, store.siteName.value, typing)} />
      {ended ? (
        <div class="ended" role="status">
          <strong>This chat has ended</strong>
          <span>Thanks for talking to us. Need anything else?</span>
          <button
            type="button"
            class="solid"
            onClick={() => {
              store.startNew();
              setTimeout(() => inputRef.current?.focus(), 0);
            }}
          >
            Start a new chat
          </button>
        </div>
      ) : (
        <Composer inputRef={inputRef} placeholder="Write a message…" onSend={(t) => store.send(t)} onInput={() => store.input()}>
          <SendIcon />
        </Composer>
      )}
    </section>
  );
}
