// A WhatsApp chat's footer (docs/api.md, WhatsApp): the customer's number
// and the 24-hour window above the pane's own footer, and, once the window
// has closed, the template picker in place of the reply box. Its own
// chunk: the pane loads it only for a chat on a WhatsApp site.
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Conversation } from '../../shared/protocol';
import type { DeskStore } from '../store';
import { getState, type WhatsAppState } from './api';
import { Picker } from './Picker';
import { leftText, notesBySeq, phoneText, WINDOW_CLOSED, windowLeft } from './whatsapp';

const today = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const later = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
const clock = (iso: string) => {
  const t = new Date(iso);
  return t.toDateString() === new Date().toDateString() ? today.format(t) : later.format(t);
};

// The styles load with the chunk (style.ts says why); nothing shows before
// them, so nothing is drawn unstyled first (unless they cannot be loaded:
// then a plain reply box is better than none).
let styled = false;
const done = () => {
  styled = true;
};
const styles = import('./style').then(done, done);

/** An hour before it closes, the window's line turns amber: time to wrap up or ask what is left. */
const SOON_MS = 60 * 60_000;

/**
 * WhatsApp wraps the pane's footer (foot: the reply, the closed note or
 * the wrap-up form). The state comes from GET …/whatsapp when the chat
 * opens and after every reconnect, then from the socket's whatsapp events
 * (store.whatsapp); until it is known the reply box shows, as the server
 * refuses a text the window no longer allows anyway.
 */
export function WhatsApp({ store, c, foot }: { store: DeskStore; c: Conversation; foot: (alt?: JSX.Element) => JSX.Element }) {
  const state = store.whatsapp.value.get(c.id);
  const [unreadable, setUnreadable] = useState(false);
  const [, setStyled] = useState(styled);
  useEffect(() => {
    if (!styled) void styles.then(() => setStyled(true));
  }, []);
  // Texts the server refused because the window had closed: the state
  // held was out of date, and counts as closed until a newer one comes.
  const refused = store.outgoing.value.filter((o) => o.state === 'failed' && o.error === WINDOW_CLOSED);
  const [stale, setStale] = useState<{ held: WhatsAppState | undefined } | null>(null);
  const [asked, setAsked] = useState(0);
  // Counts welcomes: what happened while the socket was down is read again.
  const epoch = store.inboxEpoch.value;
  useEffect(() => {
    if (refused.length > 0) setStale({ held: store.whatsapp.value.get(c.id) });
    let live = true;
    const before = store.whatsapp.value.get(c.id);
    getState(c.id).then(
      (s) => {
        if (!live) return;
        setUnreadable(false);
        // An event that came meanwhile is at least as new as this answer.
        if (store.whatsapp.value.get(c.id) === before) store.whatsapp.value = new Map(store.whatsapp.value).set(c.id, s);
      },
      () => live && setUnreadable(true),
    );
    return () => {
      live = false;
    };
  }, [c.id, epoch, refused.length, asked]);

  // What WhatsApp said of the chat's messages, under each (the history reads store.seqNotes).
  useEffect(() => {
    const notes = new Map<number, JSX.Element>();
    for (const [seq, n] of notesBySeq(state?.statuses)) {
      notes.set(
        seq,
        n.failed ? (
          <span class="delivery failed wa-status">{n.text}</span>
        ) : (
          <span class="delivery wa-status queued">{n.text}</span>
        ),
      );
    }
    store.seqNotes.value = notes;
    return () => {
      if (store.seqNotes.value === notes) store.seqNotes.value = new Map();
    };
  }, [state]);

  // The desk's clock (every 20 s) moves the countdown and closes the window on time.
  const now = Math.max(store.now.value, Date.now());
  const forced = stale !== null && stale.held === state;
  const left = state && !forced ? windowLeft(state.window_expires_at, now) : 0;
  const templates = c.status !== 'closed' && (forced || (state !== undefined && left === 0));
  if (!styled) return null;
  return (
    <>
      <p class="wa-line">
        <span class="wa-badge">WhatsApp</span>
        {state?.to && (
          <span class="wa-to">
            <span class="sr-only">Customer’s number: </span>
            {phoneText(state.to)}
          </span>
        )}
        {state || forced ? <Window left={left} expires={state?.window_expires_at ?? null} /> : unreadable && <span class="wa-window">The 24-hour window cannot be read now.</span>}
      </p>
      {state && !state.connected && (
        <p class="wa-alert">This WhatsApp number is disconnected: nothing can be sent until an owner or admin connects it again in Settings → WhatsApp.</p>
      )}
      {foot(templates ? <Picker store={store} c={c} to={state?.to ?? ''} refused={refused} onStale={() => setAsked((n) => n + 1)} /> : undefined)}
    </>
  );
}

/**
 * The window's countdown. A timer, whose changes are not announced (a
 * screen reader would hear every tick): its name says the whole of it.
 */
function Window({ left, expires }: { left: number; expires: string | null }) {
  if (left <= 0 || !expires) return <span class="wa-window closed">24-hour window closed</span>;
  const { short, long } = leftText(left);
  const until = clock(expires);
  return (
    <span class={left < SOON_MS ? 'wa-window soon' : 'wa-window'} role="timer" aria-label={`The 24-hour window closes in ${long}, at ${until}`} title={`Until ${until}`}>
      Window closes in {short}
    </span>
  );
}
