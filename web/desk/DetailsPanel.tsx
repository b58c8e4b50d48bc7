import { duration, shortTime } from '../shared/format';
import type { ContextData, Visitor } from '../shared/protocol';
import { lazy } from './lazy';
import { BLOCK_VISITORS } from './permissions';
import type { DeskStore } from './store';

/** The block controls (their own chunk): few agents block anyone on a given day. */
const LazyBlockControls = lazy(() => import('./Blocking').then((m) => m.BlockControls));

/** The visitor's contact (its own chunk, loaded when a visitor has one). */
const LazyContactCard = lazy(() => import('./contacts/Card').then((m) => m.ContactCard));

/** Who the visitor is, where they have been, and what the site told us. */
export function DetailsPanel({ store }: { store: DeskStore }) {
  const visitorId = store.selectedVisitorId.value;
  const tab = store.detailsTab.value;
  if (!visitorId) {
    return (
      <aside class="details" aria-label="Details">
        <div class="empty-state small">
          <strong>Details</strong>
          <span>Visitor details, pages seen and context data show here.</span>
        </div>
      </aside>
    );
  }
  return (
    <aside class="details" aria-label="Details">
      <div class="tabs small" role="tablist" aria-label="Details">
        <button type="button" role="tab" aria-selected={tab === 'details'} class={tab === 'details' ? 'tab on' : 'tab'} onClick={() => (store.detailsTab.value = 'details')}>
          Visitor
        </button>
        <button type="button" role="tab" aria-selected={tab === 'context'} class={tab === 'context' ? 'tab on' : 'tab'} onClick={() => (store.detailsTab.value = 'context')}>
          Context
        </button>
      </div>
      <div class="details-body" role="tabpanel">
        {tab === 'details' ? <Visitor store={store} visitorId={visitorId} /> : <Context store={store} visitorId={visitorId} />}
      </div>
    </aside>
  );
}

function Visitor({ store, visitorId }: { store: DeskStore; visitorId: string }) {
  const d = store.details.value.get(visitorId);
  const live = store.visitors.value.get(visitorId);
  const v = live ?? d?.visitor;
  const now = store.now.value;
  if (!v) return <p class="muted pad">Loading…</p>;
  const name = store.displayName(visitorId);
  // A WhatsApp customer has no pages, presence or referrer: only the web's visitors do.
  const web = store.sites.value.find((s) => s.id === v.site_id)?.channel !== 'whatsapp';
  const rows: [string, string][] = [
    ['E-mail', v.email || '—'],
    ['Site', store.siteNames.value.get(v.site_id) ?? '—'],
    ...((web
      ? [
          ['Status', live ? (live.connected ? 'On the site' : 'Online, page closed') : 'Offline'],
          ['Time on site', live ? duration(v.session_start, now) : '—'],
          ['Pages seen', String(v.pages_seen)],
          ['Referrer', v.referrer || 'Direct'],
        ]
      : []) as [string, string][]),
    ['First seen', shortTime(v.created_at)],
  ];
  return (
    <>
      <section class="card visitor-card">
        <span class="avatar large" aria-hidden="true">
          {name.slice(0, 1).toUpperCase()}
        </span>
        <div>
          <h2>{name}</h2>
          {v.contact_id ? <span class="pill">Contact</span> : <span class="pill">Anonymous</span>}
        </div>
      </section>
      {v.contact_id && <LazyContactCard store={store} contactId={v.contact_id} conversationId={store.openId.value} />}
      {web && (
        <section class="card">
          <h3>Current page</h3>
          <p class="page-title">{v.page_title || 'Untitled page'}</p>
          <p class="url">{v.page_url || '—'}</p>
        </section>
      )}
      <section class="card">
        <dl class="facts">
          {rows.map(([k, val]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd title={val}>{val}</dd>
            </div>
          ))}
        </dl>
      </section>
      {web && <section class="card">
        <h3>Pages seen</h3>
        {d && d.pages.length > 0 ? (
          <ol class="pages">
            {d.pages.map((p) => (
              <li key={p.viewed_at + p.url}>
                <span class="page-title">{p.title || p.url}</span>
                <span class="url">{p.url}</span>
                <span class="when">{shortTime(p.viewed_at)}</span>
              </li>
            ))}
          </ol>
        ) : (
          <p class="muted">No pages recorded yet.</p>
        )}
      </section>}
      {store.can(BLOCK_VISITORS) && <LazyBlockControls visitor={v} />}
    </>
  );
}

function Context({ store, visitorId }: { store: DeskStore; visitorId: string }) {
  const conv = store.open$.value;
  const v = store.visitors.value.get(visitorId) ?? store.details.value.get(visitorId)?.visitor;
  const data: ContextData = { ...(v?.context ?? {}), ...(conv?.context ?? {}) };
  const keys = Object.keys(data).sort();
  return (
    <section class="card">
      <h2 class="card-title">Context data</h2>
      {keys.length === 0 ? (
        <p class="muted">The site has not sent context for this visitor. Sites send it with LiveDesk.addContext().</p>
      ) : (
        <dl class="facts">
          {keys.map((k) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd title={String(data[k])}>{data[k] === null ? '—' : String(data[k])}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
