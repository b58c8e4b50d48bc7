import type { AgentStatus } from '../shared/protocol';
import { logout, type Me } from './api';
import { Avatar } from './Avatar';
import { BellIcon, GearIcon, Logo } from './icons';
import { MANAGE_BROADCASTS, type Permission, VIEW_ANALYTICS } from './permissions';
import { go, type Route, route } from './router';
import type { DeskStore } from './store';

const STATUSES: { value: AgentStatus; label: string }[] = [
  { value: 'online', label: 'Online' },
  { value: 'busy', label: 'Busy' },
  { value: 'offline', label: 'Offline' },
];

/** The areas beside the live desk, each a button that opens it (or, open, closes it). */
const AREAS: { to: Route; label: string; title: string; need?: Permission }[] = [
  { to: { area: 'tickets', queue: 'unassigned' }, label: 'Tickets', title: 'Tickets: chats that found no agent' },
  { to: { area: 'boards', id: '' }, label: 'Boards', title: 'Boards: the tickets by stage, to drag along' },
  { to: { area: 'contacts', id: '' }, label: 'Contacts', title: 'Contacts: everyone known, with their history' },
  { to: { area: 'analytics' }, label: 'Analytics', title: 'Analytics: chats, answers and ratings by day and agent', need: VIEW_ANALYTICS },
  { to: { area: 'broadcasts', id: '' }, label: 'Broadcasts', title: 'Broadcasts: banners and messages to visitors', need: MANAGE_BROADCASTS },
  { to: { area: 'admin', page: 'preferences', id: '' }, label: 'Settings', title: 'Settings: preferences, sites, team, departments' },
];

const HEALTH: Record<string, { label: string; tone: string }> = {
  open: { label: 'Connected', tone: 'ok' },
  connecting: { label: 'Connecting…', tone: 'idle' },
  reconnecting: { label: 'Reconnecting…', tone: 'warn' },
  failed: { label: 'Disconnected', tone: 'bad' },
  closed: { label: 'Disconnected', tone: 'bad' },
};

/** Brand, connection health, agent status, the areas (tickets, inbox, settings), account. */
export function TopBar({ store, me, onSignedOut }: { store: DeskStore; me: Me; onSignedOut: () => void }) {
  const status = store.me.value?.status ?? 'offline';
  const name = store.me.value?.name ?? me.agent.name; // follows a rename (Profile)
  const health = HEALTH[store.conn.value];
  const n = store.notifier;
  const connected = store.conn.value === 'open';
  const unread = store.inboxUnread.value;
  return (
    <header class="topbar">
      <div class="brand">
        <Logo />
        <span class="brand-name">Live Desk</span>
        <span class="workspace">{me.workspace.name}</span>
      </div>
      <div class={`health ${health.tone}`} role="status" aria-live="polite" title="Connection to Live Desk">
        <span class="dot" aria-hidden="true" />
        {health.label}
      </div>
      <div class="spacer" />
      {connected && status !== 'online' && (
        <p
          class={`status-note ${status}`}
          role="status"
          title={status === 'offline' ? 'You are offline: no chats come to you' : 'You are busy: you keep your chats, new ones go to others'}
        >
          No new chats
        </p>
      )}
      <div class="status-switch" role="radiogroup" aria-label="Your status">
        {STATUSES.map((s) => (
          <button
            key={s.value}
            type="button"
            role="radio"
            aria-checked={status === s.value}
            class={`seg ${s.value}${status === s.value ? ' on' : ''}`}
            disabled={!connected}
            onClick={() => void store.setStatus(s.value).catch(() => undefined)}
          >
            <span class="dot" aria-hidden="true" />
            {s.label}
          </button>
        ))}
      </div>
      {AREAS.filter((a) => !a.need || store.can(a.need)).map((a) => {
        const on = route.value.area === a.to.area;
        return (
          <button key={a.to.area} type="button" class={on ? 'btn ghost on' : 'btn ghost'} aria-pressed={on} title={a.title} onClick={() => go(on ? { area: 'live' } : a.to)}>
            {a.to.area === 'admin' && <GearIcon />}
            <span class={a.to.area === 'admin' ? 'hide-narrow' : undefined}>{a.label}</span>
          </button>
        );
      })}
      <button
        type="button"
        class={route.value.area === 'inbox' ? 'btn ghost icon-btn bell on' : 'btn ghost icon-btn bell'}
        aria-pressed={route.value.area === 'inbox'}
        aria-label={unread > 0 ? `Inbox, ${unread} unread` : 'Inbox'}
        title="Inbox: mentions, and chats or tickets handed to you"
        onClick={() => go(route.value.area === 'inbox' ? { area: 'live' } : { area: 'inbox', filter: 'all' })}
      >
        <BellIcon off={false} />
        {unread > 0 && (
          <span class="badge" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {n.desktop.value === 'default' && (
        <button type="button" class="btn ghost" onClick={() => void n.askDesktop()}>
          <span class="hide-narrow">Enable </span>notifications
        </button>
      )}
      <div class="me">
        <Avatar id={me.agent.id} at={store.me.value?.avatar_at} name={name} cls="small" />
        <span class="me-name">{name}</span>
      </div>
      <button
        type="button"
        class="btn ghost"
        onClick={() =>
          void logout()
            .catch(() => undefined)
            .then(onSignedOut)
        }
      >
        Sign out
      </button>
    </header>
  );
}
