import { describe, expect, it } from 'vitest';
import type { Conversation, ConversationStatus } from '../shared/protocol';
import { conversationActions, granted, has, MANAGE_ANY, MANAGE_WORKSPACE } from './permissions';

const ME = 'agent-me';
const AGENT: string[] = [];
const SUPERVISOR = [MANAGE_ANY];
const ADMIN = [MANAGE_ANY, MANAGE_WORKSPACE];

function conv(status: ConversationStatus, assignee?: string): Conversation {
  return {
    id: 'c1',
    site_id: 's1',
    visitor_id: 'v1',
    status,
    context: null,
    last_seq: 1,
    last_message: '',
    created_at: '2026-01-05T10:00:00Z',
    updated_at: '2026-01-05T10:00:00Z',
    last_activity_at: '2026-01-05T10:00:00Z',
    ...(assignee ? { assignee_id: assignee } : {}),
  };
}

/** The names of the buttons shown. */
function buttons(c: Conversation, perms: readonly string[] | undefined): string[] {
  const a = conversationActions(c, ME, perms);
  return Object.entries(a)
    .filter(([k, v]) => k !== 'manage' && v)
    .map(([k]) => k);
}

describe('permissions from the server', () => {
  it('grant only what is listed: absent, null or malformed means none', () => {
    expect(granted(undefined)).toEqual([]);
    expect(granted(null)).toEqual([]);
    expect(granted('conversations.manage_any')).toEqual([]);
    expect(granted([MANAGE_ANY, 7])).toEqual([MANAGE_ANY]);
    expect(has(undefined, MANAGE_ANY)).toBe(false);
    expect(has([], MANAGE_WORKSPACE)).toBe(false);
  });

  it('let only workspace.manage edit the workspace preferences (a supervisor reads them)', () => {
    expect(has(ADMIN, MANAGE_WORKSPACE)).toBe(true);
    expect(has(SUPERVISOR, MANAGE_WORKSPACE)).toBe(false);
    expect(has(AGENT, MANAGE_WORKSPACE)).toBe(false);
  });
});

describe('the conversation action bar', () => {
  it('shows an agent without conversations.manage_any nothing on someone else\'s chat: no Transfer, no status changes', () => {
    for (const status of ['open', 'pending', 'snoozed', 'closed'] as const) {
      const a = conversationActions(conv(status, 'someone-else'), ME, AGENT);
      expect(a.manage).toBe(false);
      expect(buttons(conv(status, 'someone-else'), AGENT)).toEqual([]);
    }
  });

  it('treats permissions the server has not sent as none (least privilege)', () => {
    expect(conversationActions(conv('open', 'someone-else'), ME, undefined).manage).toBe(false);
    expect(buttons(conv('pending', ME), undefined)).not.toContain('transfer');
  });

  it('shows nothing before the desk knows who is signed in', () => {
    expect(conversationActions(conv('open'), undefined, ADMIN).manage).toBe(false);
    expect(conversationActions(conv('open'), '', ADMIN).flag).toBe(false);
  });

  it('lets any agent act on its own chat, transferring only a live one', () => {
    expect(buttons(conv('open', ME), AGENT)).toEqual(['markPending', 'snooze', 'transfer', 'flag', 'close']);
    expect(buttons(conv('pending', ME), AGENT)).toEqual(['reopen', 'snooze', 'flag', 'close']);
    expect(buttons(conv('snoozed', ME), AGENT)).toEqual(['reopen', 'markPending', 'snooze', 'flag', 'close']);
  });

  it('offers Pick up on an unassigned live chat to any agent', () => {
    expect(buttons(conv('open'), AGENT)).toEqual(['pickUp', 'markPending', 'snooze', 'transfer', 'flag', 'close']);
    expect(buttons(conv('pending'), AGENT)).not.toContain('pickUp');
  });

  it('lets conversations.manage_any act on someone else\'s chat and transfer it whatever its status', () => {
    expect(buttons(conv('open', 'someone-else'), SUPERVISOR)).toEqual(['markPending', 'snooze', 'transfer', 'flag', 'close']);
    expect(buttons(conv('pending', 'someone-else'), SUPERVISOR)).toContain('transfer');
    expect(buttons(conv('snoozed', ME), ADMIN)).toContain('transfer');
  });

  it('offers Reopen and the wrap-up on a closed chat, never Close or Transfer', () => {
    expect(buttons(conv('closed', ME), AGENT)).toEqual(['reopen', 'flag', 'wrapup']);
    expect(buttons(conv('closed', 'someone-else'), SUPERVISOR)).toEqual(['reopen', 'flag', 'wrapup']);
  });
});
