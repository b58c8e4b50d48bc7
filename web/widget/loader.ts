// The widget loader (served as /widget.js, cached briefly): a site pastes
// <script src="https://DESK/widget.js" data-site="WIDGET_KEY" async></script>.
// It reads the key and the server's origin from its own tag, defines
// window.LiveDesk with methods that queue their calls, and loads the widget
// bundle (hashed, cached for good) from the same origin — not before the
// host page has loaded and the browser is idle, so the widget costs the
// host's first paint and load nothing, unless the page opens the widget
// itself (LiveDesk.open()). Nothing is lost meanwhile: the calls wait in
// the queue (identify and addContext follow the visitor to the next page
// if it leaves first), and what agents sent waits on the server.
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
  // What the page said before a navigation took it away, before the widget
  // had started (or after, before the server heard it: the widget keeps it
  // under the same name, WidgetStore.carry): said again on this page
  // (sessionStorage is per tab).
  const carried = `livedesk:${key}:queue`;
  try {
    const old = JSON.parse(sessionStorage.getItem(carried) ?? '[]') as QueuedCall[];
    if (Array.isArray(old)) api.q.unshift(...old);
    sessionStorage.removeItem(carried);
  } catch {
    // storage off: nothing carried
  }
  addEventListener('pagehide', () => {
    if (api.booted) return;
    try {
      sessionStorage.setItem(carried, JSON.stringify(api.q.filter(([m]) => m === 'identify' || m === 'addContext')));
    } catch {
      // storage off or full: the page says it again, as pages do on every load
    }
  });
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    const s = document.createElement('script');
    s.src = `${origin}/${__WIDGET_BUNDLE__}`;
    s.async = true;
    document.head.appendChild(s);
  };
  api.open = (...args: unknown[]) => {
    api.q.push(['open', args]);
    start();
  };
  if (api.q.some(([m]) => m === 'open')) start();
  // requestIdleCallback's timeout bounds the wait on a page that is never idle.
  const idle = () => ('requestIdleCallback' in window ? requestIdleCallback(start, { timeout: 3000 }) : setTimeout(start, 200));
  if (document.readyState === 'complete') idle();
  else addEventListener('load', idle, { once: true });
})();
