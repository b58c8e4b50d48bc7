import { since } from '../shared/format';
import type { DeskStore } from './store';

const EMPTY: Record<string, [string, string]> = {
  live: ['No live chats', 'New chats from your sites appear here, highlighted in green.'],
  pending: ['Nothing pending', 'Chats waiting on the customer show up here.'],
  closed: ['No closed chats', 'Finished conversations are kept here.'],
};

/** One queue's conversations. */
export function ConversationList({ store }: { store: DeskStore }) {
  const list = store.queue.value;
  const openId = store.openId.value;
  const sites = store.siteNames.value;
  const depts = store.departmentNames.value;
  const typing = store.typing.value;
  const now = store.now.value;
  const filtered = Boolean(store.search.value || store.siteFilter.value || store.departmentFilter.value || store.agentFilter.value);
  if (list.length === 0) {
    const [title, hint] = filtered ? ['No matches', 'Try another search or filter.'] : EMPTY[store.tab.value];
    return (
      <div class="empty-state small">
        <strong>{title}</strong>
        <span>{hint}</span>
      </div>
    );
  }
  return (
    <ul class="rows">
      {list.map((c) => {
        const isNew = store.isNew(c);
        const activity = !isNew && store.hasActivity(c);
        const name = store.displayName(c.visitor_id);
        const who = typing.get(c.id);
        const cls = ['conv-row', c.id === openId && 'active', isNew && 'new'].filter(Boolean).join(' ');
        return (
          <li key={c.id}>
            <button type="button" class={cls} aria-current={c.id === openId ? 'true' : undefined} onClick={() => store.open(c.id)}>
              <span class="avatar" aria-hidden="true">
                {name.slice(0, 1).toUpperCase()}
              </span>
              <span class="row-main">
                <span class="row-top">
                  <span class="name">{name}</span>
                  {isNew && <span class="pill green">New</span>}
                  <span class="time">{since(c.last_activity_at, now)}</span>
                </span>
                <span class={who ? 'preview typing-text' : 'preview'}>{who ? `${who} is typing…` : c.last_message || 'No messages yet'}</span>
                <span class="row-tags">
                  <span class="tag site">{sites.get(c.site_id) ?? 'Site'}</span>
                  {c.department_id && depts.get(c.department_id) && <span class="tag">{depts.get(c.department_id)}</span>}
                </span>
              </span>
              {activity && <span class="blue-dot" role="img" aria-label="New activity" />}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
