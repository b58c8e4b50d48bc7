import { useState } from 'preact/hooks';
import { ThumbIcon } from '../shared/ThumbIcon';
import { since } from '../shared/format';
import { focusPane } from './focus';
import { FlagIcon } from './icons';
import { actionError, closedByLabel } from './lifecycle';
import type { DeskStore } from './store';
import { lazy } from './lazy';

/** Paging through older closed chats (its own chunk: the Closed tab's end). */
const LazyOlderClosed = lazy(() => import('./OlderClosed').then((m) => m.OlderClosed));

const EMPTY: Record<string, [string, string]> = {
  live: ['No live chats', 'New chats from your sites appear here, highlighted in green.'],
  pending: ['Nothing pending', 'Chats waiting on the customer show up here.'],
  snoozed: ['Nothing snoozed', 'Snoozed chats wait here and come back to Live when their time comes.'],
  closed: ['No closed chats', 'Finished conversations are kept here.'],
  tagged: ['Nothing tagged', 'Chats where a colleague mentions you in a comment show up here until they close.'],
};

/** One queue's conversations. */
export function ConversationList({ store }: { store: DeskStore }) {
  const list = store.queue.value;
  const openId = store.openId.value;
  const sites = store.siteNames.value;
  const depts = store.departmentNames.value;
  const typing = store.typing.value;
  const now = store.now.value;
  const me = store.me.value?.id ?? store.agentId;
  const [pickError, setPickError] = useState<{ id: string; text: string } | null>(null);
  const agent = store.agentFilter.value;
  const searched = Boolean(store.search.value || store.siteFilter.value || store.departmentFilter.value || (store.tab.value === 'closed' && store.closedByMe.value));
  if (list.length === 0) {
    // Mine and Unassigned are views, not searches: an empty one says so.
    const view = agent === 'none' ? 'Nothing unassigned' : agent && agent === me ? 'Nothing assigned to you' : '';
    const [title, hint] =
      searched || (agent && !view) ? ['No matches', 'Try another search or filter.'] : view ? [view, 'All shows every chat.'] : EMPTY[store.tab.value];
    return (
      <div class="empty-state small">
        <strong>{title}</strong>
        <span>{hint}</span>
        {store.tab.value === 'closed' && <LazyOlderClosed store={store} />}
      </div>
    );
  }
  const pickUp = (id: string) => {
    setPickError(null);
    store
      .pickUp(id)
      .then(() => {
        store.open(id);
        focusPane();
      })
      .catch((err: { code?: string; message?: string }) => setPickError({ id, text: actionError(err.code ?? '', err.message) }));
  };
  return (
    <ul class="rows">
      {list.map((c) => {
        const isNew = store.isNew(c);
        const activity = !isNew && store.hasActivity(c);
        const name = store.displayName(c.visitor_id);
        const who = typing.get(c.id);
        const unassigned = !c.assignee_id && c.status !== 'closed';
        const cls = ['conv-row', c.id === openId && 'active', isNew && 'new', unassigned && c.status === 'open' && 'pickable'].filter(Boolean).join(' ');
        const assignee = c.assignee_id === me ? 'You' : store.agentName(c.assignee_id);
        return (
          <li key={c.id} class="row-wrap">
            <button
              type="button"
              class={cls}
              aria-current={c.id === openId ? 'true' : undefined}
              onClick={() => {
                store.open(c.id);
                focusPane();
              }}
            >
              <span class="avatar" aria-hidden="true">
                {name.slice(0, 1).toUpperCase()}
              </span>
              <span class="row-main">
                <span class="row-top">
                  <span class="name">{name}</span>
                  {c.flagged && (
                    <span class="flag-mark" role="img" aria-label="Flagged" title="Flagged for follow-up">
                      <FlagIcon />
                    </span>
                  )}
                  {isNew && <span class="pill green">New</span>}
                  <span class="time">{since(c.status === 'closed' ? (c.closed_at ?? c.last_activity_at) : c.last_activity_at, now)}</span>
                </span>
                <span class={who ? 'preview typing-text' : 'preview'}>{who ? `${who} is typing…` : c.last_message || 'No messages yet'}</span>
                <span class="row-tags">
                  <span class="tag site">{sites.get(c.site_id) ?? 'Site'}</span>
                  {c.department_id && depts.get(c.department_id) && <span class="tag">{depts.get(c.department_id)}</span>}
                  {c.rating && (
                    <span class={`tag rating ${c.rating}`} title={c.rating_comment || undefined}>
                      <ThumbIcon down={c.rating === 'bad'} /> {c.rating === 'good' ? 'Good' : 'Bad'}
                    </span>
                  )}
                  {c.status === 'closed' ? (
                    <span class="tag closed-by">{closedByLabel(c, (id) => store.agentName(id), me)}</span>
                  ) : unassigned ? (
                    <span class="tag unassigned">Unassigned</span>
                  ) : (
                    <span class="tag assignee" title="Assigned to">
                      {assignee ?? 'Assigned'}
                    </span>
                  )}
                </span>
              </span>
              {activity && <span class="blue-dot" role="img" aria-label="New activity" />}
            </button>
            {unassigned && c.status === 'open' && (
              <button type="button" class="btn primary pick-up" aria-label={`Pick up the chat with ${name}`} onClick={() => pickUp(c.id)}>
                Pick up
              </button>
            )}
            {pickError?.id === c.id && (
              <p class="row-error" role="alert">
                {pickError.text}
              </p>
            )}
          </li>
        );
      })}
      {store.tab.value === 'closed' && (
        <li class="row-wrap more">
          <LazyOlderClosed store={store} />
        </li>
      )}
    </ul>
  );
}
