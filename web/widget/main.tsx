// The widget bundle, loaded by the loader (loader.ts). It renders into a
// shadow root so the host page's styles and the widget's never meet, and
// takes over window.LiveDesk.
import { render } from 'preact';
import type { ContextData } from '../shared/protocol';
import type { LoaderApi, Method } from './api';
import { App } from './App';
import { type Identity, type WidgetEvent, WidgetStore } from './store';
import css from './widget.css?inline';

type Global = { LiveDesk?: LoaderApi & Record<string, unknown> };

function mount(store: WidgetStore): void {
  const host = document.createElement('livedesk-widget');
  const root = host.attachShadow({ mode: 'open' });
  // A constructed stylesheet is not an inline <style>, so a host page's CSP
  // without 'unsafe-inline' for styles does not block it.
  if ('replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    const style = document.createElement('style');
    style.textContent = css;
    root.appendChild(style);
  }
  document.body.appendChild(host);
  render(<App store={store} />, root);
}

function boot(): void {
  const api = (window as unknown as Global).LiveDesk;
  if (!api?.config || api.booted) return;
  api.booted = true;
  const store = new WidgetStore(api.config);
  const methods: Record<Method, (...args: never[]) => void> = {
    addContext: (data: ContextData) => store.addContext(data),
    identify: (who: Identity) => store.identify(who),
    reset: () => store.reset(),
    open: () => store.open(),
    close: () => store.close(),
    on: (event: WidgetEvent, fn: (data: unknown) => void) => store.on(event, fn),
  };
  const queued = api.q;
  api.q = [];
  Object.assign(api, methods);
  for (const [name, args] of queued) {
    const fn = methods[name as Method] as ((...a: unknown[]) => void) | undefined;
    fn?.(...args);
  }
  mount(store);
  store.start();
}

if (document.body) boot();
else document.addEventListener('DOMContentLoaded', boot);
