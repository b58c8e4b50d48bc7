import { useState } from 'preact/hooks';
import { ConversationList } from './ConversationList';
import { viewCounts } from './lifecycle';
import { SearchIcon } from './icons';
import { type Sort, type Tab, type DeskStore } from './store';
import { VisitorList } from './VisitorList';

const TABS: { id: Tab; label: string }[] = [
  { id: 'live', label: 'Live' },
  { id: 'pending', label: 'Pending' },
  { id: 'snoozed', label: 'Snoozed' },
  { id: 'closed', label: 'Closed' },
  { id: 'tagged', label: 'Tagged' },
];

/**
 * Queue tabs with search and filters, and below them the visitors online,
 * always in view (folded to a bar on request) so an agent working a queue
 * still sees who arrives and where they are.
 */
export function Sidebar({ store }: { store: DeskStore }) {
  const tab = store.tab.value;
  const counts = store.counts.value;
  const agents = [...store.agents.value.values()];
  return (
    <nav class="sidebar" aria-label="Conversations and visitors">
      <div class="queues">
        <GoOnline store={store} />
        <div class="tabs" role="tablist" aria-label="Queues">
          {TABS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              id={`tab-${t.id}`}
              aria-selected={tab === t.id}
              aria-controls="queue"
              class={tab === t.id ? 'tab on' : 'tab'}
              onClick={() => (store.tab.value = t.id)}
            >
              {t.label}
              {/* My own and unassigned chats of the tab (lifecycle.ts countQueues), not another agent's. */}
              {t.id !== 'closed' && counts[t.id] > 0 && <span class="count">{counts[t.id]}</span>}
            </button>
          ))}
        </div>
        <div class="filters">
          {tab !== 'closed' && tab !== 'tagged' && <Views store={store} />}
          <label class="search">
            <SearchIcon />
            <input
              type="search"
              placeholder="Search conversations"
              aria-label="Search conversations"
              value={store.search.value}
              onInput={(e) => {
                store.search.value = e.currentTarget.value;
                if (tab === 'closed') store.searchClosed(e.currentTarget.value);
              }}
            />
          </label>
          <div class="filter-row">
            <select aria-label="Filter by site" value={store.siteFilter.value} onChange={(e) => (store.siteFilter.value = e.currentTarget.value)}>
              <option value="">Site: all</option>
              {store.sites.value.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
            <select
              aria-label="Filter by department"
              value={store.departmentFilter.value}
              onChange={(e) => (store.departmentFilter.value = e.currentTarget.value)}
            >
              <option value="">Dept: all</option>
              {store.departments.value.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </select>
            <select aria-label="Filter by agent" value={store.agentFilter.value} onChange={(e) => (store.agentFilter.value = e.currentTarget.value)}>
              <option value="">Agent: all</option>
              <option value="none">Unassigned</option>
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </div>
          {tab === 'closed' && (
            <label class="check">
              <input
                type="checkbox"
                checked={store.closedByMe.value}
                onChange={(e) => {
                  store.closedByMe.value = e.currentTarget.checked;
                  if (e.currentTarget.checked) store.loadClosedByMe();
                }}
              />
              Closed by me
            </label>
          )}
          {tab === 'live' && (
            <label class="sort">
              Sort by
              <select value={store.sort.value} onChange={(e) => (store.sort.value = e.currentTarget.value as Sort)}>
                <option value="activity">New customer activity</option>
                <option value="new">New chat</option>
              </select>
            </label>
          )}
        </div>
        {counts.unassigned > 0 && (
          <div class="queue-bar" role="status">
            <span class="queue-dot" aria-hidden="true" />
            <span class="queue-text">
              {counts.unassigned === 1 ? '1 live chat waits for an agent' : `${counts.unassigned} live chats wait for an agent`}
            </span>
            <button
              type="button"
              class="link"
              onClick={() => {
                store.tab.value = 'live';
                store.agentFilter.value = store.agentFilter.value === 'none' ? '' : 'none';
              }}
            >
              {store.agentFilter.value === 'none' && tab === 'live' ? 'Show all' : 'Show'}
            </button>
          </div>
        )}
        <div id="queue" role="tabpanel" aria-labelledby={`tab-${tab}`} class="queue" tabIndex={-1}>
          <ConversationList store={store} />
        </div>
      </div>
      <VisitorDock store={store} />
    </nav>
  );
}

/**
 * An agent who signs in offline (the status it last chose is kept) is
 * asked to go online, since until then no chat comes to it.
 */
function GoOnline({ store }: { store: DeskStore }) {
  const [failed, setFailed] = useState(false);
  if (store.conn.value !== 'open' || store.me.value?.status !== 'offline') return null;
  return (
    <div class="go-online" role="status">
      <span>{failed ? 'Your status could not be changed. Try again.' : 'You are offline: no chats come to you.'}</span>
      <button type="button" class="btn primary small" onClick={() => store.setStatus('online').then(() => setFailed(false), () => setFailed(true))}>
        Go online
      </button>
    </div>
  );
}

/** The visitors online, with their own search; the site filter above applies to both. */
function VisitorDock({ store }: { store: DeskStore }) {
  const open = store.visitorsOpen.value;
  const online = store.counts.value.visitors;
  return (
    <section class={open ? 'visitor-dock open' : 'visitor-dock'} aria-labelledby="visitors-head">
      <div class="dock-head">
        <button type="button" id="visitors-head" class="dock-toggle" aria-expanded={open} aria-controls="visitor-list" onClick={() => store.toggleVisitors()}>
          <span class="chevron" aria-hidden="true" />
          Visitors online
          <span class="count">{online}</span>
        </button>
        {open && (
          <label class="search small">
            <SearchIcon />
            <input
              type="search"
              placeholder="Search visitors"
              aria-label="Search visitors"
              value={store.visitorSearch.value}
              onInput={(e) => (store.visitorSearch.value = e.currentTarget.value)}
            />
          </label>
        )}
      </div>
      {open && (
        <div id="visitor-list" class="dock-list">
          <VisitorList store={store} />
        </div>
      )}
    </section>
  );
}

/**
 * Whose chats a queue shows: mine, unassigned, or all (the agent filter
 * below says the same, and can name another agent). The counts are of the
 * current tab.
 */
function Views({ store }: { store: DeskStore }) {
  const me = store.me.value?.id ?? store.agentId;
  const filter = store.agentFilter.value;
  // The rows each view lists; the tab's badge is Mine + Unassigned.
  const { mine, unassigned, all } = viewCounts(store.conversations.value.values(), store.tab.value, me);
  const views = [
    { value: me, label: 'Mine', n: mine },
    { value: 'none', label: 'Unassigned', n: unassigned },
    { value: '', label: 'All', n: all },
  ];
  return (
    <div class="views" role="group" aria-label="Whose chats">
      {views.map((v) => (
        <button
          key={v.label}
          type="button"
          class={filter === v.value ? 'seg on' : 'seg'}
          aria-pressed={filter === v.value}
          onClick={() => (store.agentFilter.value = v.value)}
        >
          {v.label}
          <span class="view-count">{v.n}</span>
        </button>
      ))}
    </div>
  );
}
