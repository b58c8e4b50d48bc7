import { focusPane } from './focus';
import type { DeskStore } from './store';

/** In-app notifications, top right; a click opens the conversation. */
export function Toasts({ store }: { store: DeskStore }) {
  const toasts = store.notifier.toasts.value;
  return (
    <div class="toasts" role="log" aria-live="polite" aria-label="Notifications">
      {toasts.map((t) => (
        <div key={t.id} class={t.kind === 'chat' ? 'toast new' : 'toast'}>
          <button
            type="button"
            class="toast-body"
            onClick={() => {
              if (t.conversationId || t.visitorId) {
                store.show(t);
                focusPane();
              }
              store.notifier.dismiss(t.id);
            }}
          >
            <strong>{t.title}</strong>
            <span>{t.body}</span>
          </button>
          <button type="button" class="toast-close" aria-label="Dismiss" onClick={() => store.notifier.dismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
