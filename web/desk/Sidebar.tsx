import { ConversationList } from './ConversationList';
import { tabOf } from './lifecycle';
import { SearchIcon } from './icons';
import { type Sort, type Tab, type DeskStore } from './store';
import { VisitorList } from './VisitorList';

const TABS: { id: Tab; label: string }[] = [
  { id: 'live', label: 'Live' },
  { id: 'pending', label: 'Pending' },
  { id: 'snoozed', label: 'Snoozed' },
  { id: 'closed', label: 'Closed' },
  { id: 'visitors', label: 'Visitors' },
];

/** Queue tabs and live visitors, each with search and filters. */
export function Sidebar({ store }: { store: DeskStore }) {
  const tab = store.tab.value;
  const counts = store.counts.value;
  const agents = [...store.agents.value.values()];
  return (
    <nav class="sidebar" aria-label="Conversations and visitors">
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
            {t.id !== 'closed' && counts[t.id] > 0 && <span class="count">{counts[t.id]}</span>}
          </button>
        ))}
      </div>
      <div class="filters">
        {tab !== 'visitors' && tab !== 'closed' && <Views store={store} />}
        <label class="search">
          <SearchIcon />
          <input
            type="search"
            placeholder={tab === 'visitors' ? 'Search visitors' : 'Search conversations'}
            aria-label="Search"
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
          {tab !== 'visitors' && (
            <>
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
            </>
          )}
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
      {counts.unassigned > 0 && tab !== 'visitors' && (
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
      <div id="queue" role="tabpanel" aria-labelledby={`tab-${tab}`} class="queue">
        {tab === 'visitors' ? <VisitorList store={store} /> : <ConversationList store={store} />}
      </div>
    </nav>
  );
}

/**
 * Whose chats a queue shows: mine, unassigned, or all (the agent filter
 * below says the same, and can name another agent). The counts are of the
 * current tab.
 */
function Views({ store }: { store: DeskStore }) {
  const me = store.me.value?.id ?? '';
  const tab = store.tab.value;
  const filter = store.agentFilter.value;
  let mine = 0;
  let unassigned = 0;
  let all = 0;
  for (const c of store.conversations.value.values()) {
    if (tabOf(c.status) !== tab) continue;
    all++;
    if (!c.assignee_id) unassigned++;
    else if (c.assignee_id === me) mine++;
  }
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
