// The widget loader (served as /widget.js, not cached): a site pastes
// <script src="https://DESK/widget.js" data-site="WIDGET_KEY" async></script>.
// It reads the key and the server's origin from its own tag, defines
// window.LiveDesk with methods that queue their calls, and loads the widget
// bundle (hashed, cached for good) from the same origin.
import { type LoaderApi, METHODS, type QueuedCall } from './api';

declare const __WIDGET_BUNDLE__: string;

type Global = { LiveDesk?: Partial<LoaderApi> & Record<string, unknown> };

(() => {
  const g = window as unknown as Global;
  if (g.LiveDesk?.config) return; // loaded twice
  const tag = (document.currentScript ?? document.querySelector('script[data-site][src*="widget.js"]')) as HTMLScriptElement | null;
  const key = tag?.getAttribute('data-site');
  if (!tag || !key) {
    console.warn('LiveDesk: the widget script needs a data-site attribute');
    return;
  }
  const origin = new URL(tag.src, location.href).origin;
  // A page may have queued calls in window.LiveDesk.q before this ran.
  const earlier = g.LiveDesk?.q;
  const api: Record<string, unknown> & LoaderApi = { q: Array.isArray(earlier) ? earlier : [], config: { key, origin } };
  for (const m of METHODS) {
    api[m] = (...args: unknown[]) => {
      api.q.push([m, args] as QueuedCall);
    };
  }
  g.LiveDesk = api;
  const s = document.createElement('script');
  s.src = `${origin}/${__WIDGET_BUNDLE__}`;
  s.async = true;
  document.head.appendChild(s);
})();
