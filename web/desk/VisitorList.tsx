import { duration } from '../shared/format';
import { focusPane } from './focus';
import { type DeskStore, visitorName } from './store';

/** Online visitors: where they are and whether they chat (the site is named when there are several). */
export function VisitorList({ store }: { store: DeskStore }) {
  const list = store.visitorList.value;
  const chatting = store.chatting.value;
  const sites = store.siteNames.value;
  const now = store.now.value;
  if (list.length === 0) {
    return (
      <div class="empty-state small">
        <strong>No visitors online</strong>
        <span>People browsing your sites appear here as they arrive.</span>
      </div>
    );
  }
  return (
    <ul class="rows">
      {list.map((v) => {
        const name = visitorName(v);
        const chat = chatting.has(v.id);
        const selected = store.selectedVisitorId.value === v.id;
        return (
          <li key={v.id}>
            <button
              type="button"
              class={selected ? 'visitor-row active' : 'visitor-row'}
              onClick={() => {
                store.selectVisitor(v.id);
                focusPane();
              }}
            >
              <span class="avatar" aria-hidden="true">
                {name.slice(0, 1).toUpperCase()}
                <span class={v.connected ? 'presence on' : 'presence'} />
              </span>
              <span class="row-main">
                <span class="row-top">
                  <span class="name">{name}</span>
                  {sites.size > 1 && <span class="tag site">{sites.get(v.site_id) ?? 'Site'}</span>}
                  <span class={chat ? 'pill blue' : 'pill'}>{chat ? 'Chatting' : 'Browsing'}</span>
                </span>
                <span class="row-page">
                  <span class="preview" title={v.page_url}>
                    {v.page_title || v.page_url || 'Unknown page'}
                  </span>
                  <span class="on-site" title="Time on site">
                    {duration(v.session_start, now)}
                  </span>
                </span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
