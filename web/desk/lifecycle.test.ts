import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../shared/protocol';
import {
  actionError,
  closedByLabel,
  countQueues,
  inQueue,
  parseTags,
  rfc3339,
  snoozePresets,
  systemText,
  tabOf,
  tagsProblem,
  transferOf,
  viewCounts,
  watchScope,
  wrapupOf,
} from './lifecycle';
import { SETTING_FIELDS, settingErrorText } from './settings';

function conv(over: Partial<Conversation>): Conversation {
  return {
    id: 'c1',
    site_id: 's1',
    visitor_id: 'v1',
    status: 'open',
    context: null,
    last_seq: 1,
    last_message: '',
    created_at: '2026-01-05T10:00:00Z',
    updated_at: '2026-01-05T10:00:00Z',
    last_activity_at: '2026-01-05T10:00:00Z',
    ...over,
  };
}

function sys(over: Partial<Message>): Message {
  return {
    id: 'm1',
    conversation_id: 'c1',
    seq: 3,
    client_msg_id: 'sys-1',
    kind: 'system',
    author_type: 'agent',
    author_name: 'Ana',
    body: 'body',
    created_at: '2026-01-05T10:00:00Z',
    ...over,
  };
}

describe('tab membership', () => {
  it('puts each status in its own tab', () => {
    expect(tabOf('open')).toBe('live');
    expect(tabOf('pending')).toBe('pending');
    expect(tabOf('snoozed')).toBe('snoozed');
    expect(tabOf('closed')).toBe('closed');
  });

  it('moves a conversation between tabs as its status changes', () => {
    const c = conv({ status: 'open' });
    expect(inQueue(c, { tab: 'live' })).toBe(true);
    const pending = { ...c, status: 'pending' as const };
    expect(inQueue(pending, { tab: 'live' })).toBe(false);
    expect(inQueue(pending, { tab: 'pending' })).toBe(true);
    const snoozed = { ...c, status: 'snoozed' as const };
    expect(inQueue(snoozed, { tab: 'pending' })).toBe(false);
    expect(inQueue(snoozed, { tab: 'snoozed' })).toBe(true);
  });

  it('filters the Closed tab to chats this agent closed', () => {
    const mine = conv({ status: 'closed', closed_by: 'agent', closed_by_agent_id: 'me' });
    const theirs = conv({ status: 'closed', closed_by: 'agent', closed_by_agent_id: 'other' });
    const system = conv({ status: 'closed', closed_by: 'system' });
    const f = { tab: 'closed' as const, me: 'me', closedByMe: true };
    expect([mine, theirs, system].map((c) => inQueue(c, f))).toEqual([true, false, false]);
    expect([mine, theirs, system].map((c) => inQueue(c, { ...f, closedByMe: false }))).toEqual([true, true, true]);
    expect(inQueue(mine, { ...f, me: undefined })).toBe(false);
  });

  it('counts tabs and the unassigned live queue', () => {
    const n = countQueues(
      [
        conv({ id: 'a', status: 'open' }),
        conv({ id: 'b', status: 'open', assignee_id: 'me' }),
        conv({ id: 'c', status: 'pending' }),
        conv({ id: 'd', status: 'snoozed', assignee_id: 'me' }),
        conv({ id: 'e', status: 'closed' }),
      ],
      'me',
    );
    expect(n).toEqual({ live: 2, pending: 1, snoozed: 1, closed: 1, tagged: 0, unassigned: 1 });
  });

  it("badges count my own and unassigned chats, never another agent's", () => {
    const convs = [
      conv({ id: 'mine', status: 'open', assignee_id: 'me' }),
      conv({ id: 'free', status: 'open' }),
      conv({ id: 'hers', status: 'open', assignee_id: 'ana' }),
      conv({ id: 'hers2', status: 'open', assignee_id: 'ana' }),
      conv({ id: 'p-mine', status: 'pending', assignee_id: 'me' }),
      conv({ id: 'p-hers', status: 'pending', assignee_id: 'ana' }),
      conv({ id: 's-hers', status: 'snoozed', assignee_id: 'ana' }),
      conv({ id: 's-free', status: 'snoozed' }),
      conv({ id: 'ticket', status: 'open', ticket_id: 't1' }), // waits under Tickets, not Live
      conv({ id: 'x', status: 'closed', assignee_id: 'ana' }),
    ];
    const n = countQueues(convs, 'me');
    expect(n).toMatchObject({ live: 2, pending: 1, snoozed: 1, closed: 1, unassigned: 1 });
    // Ana's view of the same chats: hers and the unassigned ones.
    expect(countQueues(convs, 'ana')).toMatchObject({ live: 3, pending: 1, snoozed: 2 });
    // A badge is Mine + Unassigned of the views above the list, and All lists every row of the tab.
    for (const tab of ['live', 'pending', 'snoozed'] as const) {
      const v = viewCounts(convs, tab, 'me');
      expect(v.mine + v.unassigned).toBe(n[tab]);
      expect(v.all).toBe(convs.filter((c) => inQueue(c, { tab })).length);
    }
    expect(viewCounts(convs, 'live', 'me')).toEqual({ mine: 1, unassigned: 1, all: 4 });
  });

  it('counts under Tagged the mentioned chats that are not closed, whatever their status', () => {
    const convs = [conv({ id: 'a', status: 'open' }), conv({ id: 'c', status: 'pending' }), conv({ id: 'e', status: 'closed' }), conv({ id: 'f', status: 'open' })];
    const tagged = new Set(['a', 'c', 'e']);
    expect(countQueues(convs, 'me', tagged).tagged).toBe(2);
    expect(convs.filter((c) => inQueue(c, { tab: 'tagged', tagged })).map((c) => c.id)).toEqual(['a', 'c']);
  });
});

describe('closed by', () => {
  const names = (id: string) => ({ a1: 'Ana' })[id];
  it('names who closed it', () => {
    expect(closedByLabel(conv({ closed_by: 'system' }), names)).toBe('Closed by system');
    expect(closedByLabel(conv({ closed_by: 'visitor' }), names)).toBe('Closed by visitor');
    expect(closedByLabel(conv({ closed_by: 'agent', closed_by_agent_id: 'a1' }), names)).toBe('Closed by Ana');
    expect(closedByLabel(conv({ closed_by: 'agent', closed_by_agent_id: 'a1' }), names, 'a1')).toBe('Closed by you');
    expect(closedByLabel(conv({ closed_by: 'agent', closed_by_agent_id: 'gone' }), names)).toBe('Closed by an agent');
    expect(closedByLabel(conv({}), names)).toBe('Closed');
  });
});

describe('wrap-up tags', () => {
  it('splits, trims, lower-cases and drops empties and repeats', () => {
    expect(parseTags(' Resolved, shipping ;REFUND\n, resolved,,  ')).toEqual(['resolved', 'shipping', 'refund']);
    expect(parseTags('')).toEqual([]);
    expect(parseTags('Needs   follow up')).toEqual(['needs follow up']);
  });

  it('says what the server would refuse', () => {
    expect(tagsProblem(['a'])).toBe('');
    expect(tagsProblem(Array.from({ length: 11 }, (_, i) => `t${i}`))).toMatch(/At most 10/);
    expect(tagsProblem(['x'.repeat(41)])).toMatch(/too long/);
    expect(tagsProblem(['é'.repeat(21)])).toMatch(/too long/); // 42 bytes
    expect(tagsProblem(['x'.repeat(40)])).toBe('');
  });
});

describe('snooze presets', () => {
  it('offers an hour, tomorrow 9:00 and next Monday 9:00, in local time', () => {
    const now = new Date(2026, 0, 7, 15, 30); // a Wednesday
    const [hour, tomorrow, week] = snoozePresets(now);
    expect(hour.until.getTime() - now.getTime()).toBe(3600_000);
    expect([tomorrow.until.getDate(), tomorrow.until.getHours(), tomorrow.until.getMinutes()]).toEqual([8, 9, 0]);
    expect([week.until.getDay(), week.until.getDate(), week.until.getHours()]).toEqual([1, 12, 9]);
  });

  it('goes to the following Monday when today is Monday', () => {
    const week = snoozePresets(new Date(2026, 0, 12, 8, 0))[2];
    expect(week.until.getDate()).toBe(19);
  });

  it('sends RFC 3339 in UTC', () => {
    expect(rfc3339(new Date(Date.UTC(2026, 0, 7, 9, 0, 0, 123)))).toBe('2026-01-07T09:00:00Z');
  });
});

describe('system events', () => {
  it('reads wrap-ups and transfers from meta', () => {
    expect(wrapupOf(sys({ meta: { event: 'wrapup', notes: 'Refunded', tags: ['refund', 3] } }))).toEqual({ notes: 'Refunded', tags: ['refund'] });
    expect(wrapupOf(sys({ meta: { event: 'status' } }))).toBeNull();
    expect(transferOf(sys({ meta: { event: 'transfer', to_agent_name: 'Bo', note: 'VIP' } }))).toEqual({ to: 'Bo', note: 'VIP' });
    expect(transferOf(sys({ meta: { event: 'transfer', to_department_name: 'Billing' } }))).toEqual({ to: 'Billing', note: '' });
    expect(transferOf(sys({}))).toBeNull();
  });

  it('shows a snooze time in local time', () => {
    const m = sys({ body: 'Ana snoozed the conversation until 2026-01-08T08:00:00Z', meta: { event: 'status', status: 'snoozed', snooze_until: '2026-01-08T08:00:00Z' } });
    expect(systemText(m, () => 'Thu 9:00')).toBe('Ana snoozed the conversation until Thu 9:00');
    expect(systemText(sys({ body: 'Assigned to Ana' }), () => '')).toBe('Assigned to Ana');
  });
});

describe('errors', () => {
  it('explains capacity errors of a transfer', () => {
    expect(actionError('agent_at_capacity')).toMatch(/chat limit/);
    expect(actionError('agent_unavailable')).toMatch(/offline/);
    expect(actionError('something_new', 'as the server said')).toBe('as the server said');
  });

  it('names the range of a refused setting', () => {
    const ttl = SETTING_FIELDS.find((f) => f.key === 'visitor_ttl_seconds');
    const inactivity = SETTING_FIELDS.find((f) => f.key === 'inactivity_close_minutes');
    expect(ttl && settingErrorText(ttl, 'out_of_range', '')).toBe('Out of range: use 15 to 3600 seconds.');
    expect(inactivity && settingErrorText(inactivity, 'out_of_range', '')).toBe('Out of range: use 1 to 10080 minutes (or Off).');
  });
});

describe('watchScope', () => {
  it('follows only its own chats while the list shows no one else\'s', () => {
    expect(watchScope('me', 'me', 'live')).toBe('mine');
    expect(watchScope('none', 'me', 'pending')).toBe('mine');
    expect(watchScope('', 'me', 'live')).toBe('all'); // All
    expect(watchScope('bo', 'me', 'live')).toBe('all'); // another agent's chats
    expect(watchScope('me', 'me', 'tagged')).toBe('all'); // chats I was mentioned in, anyone's
  });
});
