import type { Ref } from 'preact';
import { ChatIcon, CloseIcon } from './icons';
import type { WidgetStore } from './store';

/** The round button in the corner; its badge counts unread agent messages. */
export function Launcher({ store, buttonRef }: { store: WidgetStore; buttonRef: Ref<HTMLButtonElement> }) {
  const open = store.isOpen.value;
  const unread = store.unread.value;
  const label = open ? store.text('close') : unread > 0 ? store.text('open_unread', { n: unread }) : store.text('open');
  return (
    <button
      ref={buttonRef}
      type="button"
      class={open ? 'launcher is-open' : 'launcher'}
      aria-label={label}
      aria-expanded={open}
      aria-controls="ld-panel"
      onClick={() => (open ? store.close() : store.open())}
    >
      {open ? <CloseIcon /> : <ChatIcon />}
      {!open && unread > 0 && (
        <span class="badge" aria-hidden="true">
          {unread > 9 ? '9+' : unread}
        </span>
      )}
    </button>
  );
}
