// The workspace's broadcasts as the visitor sees them (broadcasts.ts holds
// which): banners at the top or bottom of the page, banners inside the
// panel, and a chat message from the team, as a teaser beside the
// launcher while the panel is closed and as the first message of the
// panel's empty thread while it is open. Each reports its showing once a
// visitor can see it.
import { useEffect } from 'preact/hooks';
import type { BroadcastView } from '../shared/protocol';
import { agentLabel } from '../shared/look';
import { CloseIcon } from './icons';
import type { WidgetStore } from './store';

/**
 * Closes a broadcast: it never shows again, and the keyboard's place goes
 * to the launcher (the button it was on is gone).
 */
function dismiss(store: WidgetStore, id: string): void {
  store.broadcasts.dismiss(id);
  store.focusLauncher();
}

/** One banner: its text, its button, and a close button. */
function Banner({ store, b, where }: { store: WidgetStore; b: BroadcastView; where: string }) {
  const casts = store.broadcasts;
  useEffect(() => casts.shown(b.id), [b.id]);
  return (
    <div class={`cast-bar ${where}`} role="region" aria-label={store.text('announcement')} data-broadcast={b.id}>
      <p>{b.text}</p>
      {b.button && (
        <a
          class="cast-button"
          href={b.button.url}
          onClick={(e) => {
            // A click the browser opens elsewhere (a new tab, a window) is
            // counted and left to it; a plain one waits for the count.
            const elsewhere = e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || e.button !== 0;
            if (!elsewhere) e.preventDefault();
            casts.click(b, !elsewhere);
          }}
          onAuxClick={(e) => e.button === 1 && casts.click(b, false)}
        >
          {b.button.label}
        </a>
      )}
      <button type="button" class="cast-close" aria-label={store.text('dismiss')} onClick={() => dismiss(store, b.id)}>
        <CloseIcon />
      </button>
    </div>
  );
}

/** The banners at the top and bottom of the host page: fixed bars, so the page's layout does not move. */
export function PageBanners({ store }: { store: WidgetStore }) {
  const list = store.broadcasts.list.value.filter((b) => b.kind === 'banner' && b.placement !== 'widget');
  return (
    <>
      {list.map((b) => (
        <Banner key={b.id} store={store} b={b} where={b.placement ?? 'top'} />
      ))}
    </>
  );
}

/** The banners placed inside the panel, under its header. */
export function PanelBanners({ store }: { store: WidgetStore }) {
  const list = store.broadcasts.list.value.filter((b) => b.kind === 'banner' && b.placement === 'widget');
  return (
    <>
      {list.map((b) => (
        <Banner key={b.id} store={store} b={b} where="in-panel" />
      ))}
    </>
  );
}

/** The chat message after the thread (empty, or a chat that ended): the visitor's reply starts a chat. */
export function PanelMessage({ store }: { store: WidgetStore }) {
  const m = store.broadcasts.message();
  const shown = !!m && !store.active.value;
  useEffect(() => {
    if (shown && m) store.broadcasts.shown(m.id);
  }, [shown, m?.id]);
  if (!shown || !m) return null;
  return (
    <li class="msg theirs" data-broadcast={m.id}>
      <span class="author">{agentLabel(store.look.value, store.siteName.value, m.sender)}</span>
      <p class="bubble">{m.text}</p>
    </li>
  );
}

/** The chat message beside the closed launcher: opening it opens the panel. */
export function Teaser({ store }: { store: WidgetStore }) {
  const m = store.broadcasts.message();
  const shown = !!m && !store.isOpen.value && !store.active.value;
  useEffect(() => {
    if (!shown || !m) return;
    store.broadcasts.shown(m.id);
    store.announcement.value = store.text('new_message_from', { name: agentLabel(store.look.value, store.siteName.value, m.sender) });
  }, [shown, m?.id]);
  if (!shown || !m) return null;
  return (
    <div class="teaser" data-broadcast={m.id}>
      <button type="button" class="teaser-body" onClick={() => store.open()}>
        <span class="author">{agentLabel(store.look.value, store.siteName.value, m.sender)}</span>
        <span class="teaser-text">{m.text}</span>
      </button>
      <button type="button" class="cast-close" aria-label={store.text('dismiss')} onClick={() => dismiss(store, m.id)}>
        <CloseIcon />
      </button>
    </div>
  );
}
