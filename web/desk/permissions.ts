// What the signed-in agent may do, as the server says: the desk welcome's
// and GET /api/v1/me's "permissions". The desk never derives them from a
// role (docs/api.md#roles holds the rules, the server applies them); it
// only hides what the server would refuse. Absent permissions mean none.
import type { Conversation } from '../shared/protocol';

/** Act on any conversation: change its status, assign anyone, transfer beyond capacity (supervisors and above). */
export const MANAGE_ANY = 'conversations.manage_any';
/** Manage sites, agents, departments and the workspace's settings (admins and above). */
export const MANAGE_WORKSPACE = 'workspace.manage';

/** Block visitors, addresses and contacts (supervisors and above). */
export const BLOCK_VISITORS = 'visitors.block';

/** The team's analytics and every agent's ratings (supervisors and above, or granted). */
export const VIEW_ANALYTICS = 'analytics.view';
/** Write, schedule, pause and end broadcasts, and read their analytics (admins and above, or granted). */
export const MANAGE_BROADCASTS = 'broadcasts.manage';
/** The quick responses shared with the workspace or a department (admins and above, or granted). */
export const MANAGE_QUICK_RESPONSES = 'quick_responses.manage';
/** Export and erase contacts (admins and above, or granted). */
export const MANAGE_CONTACTS = 'contacts.manage';
/** Create boards, their columns and their order (admins and above, or granted). */
export const MANAGE_BOARDS = 'boards.manage';

export type Permission =
  | typeof MANAGE_ANY
  | typeof MANAGE_WORKSPACE
  | typeof BLOCK_VISITORS
  | typeof VIEW_ANALYTICS
  | typeof MANAGE_BROADCASTS
  | typeof MANAGE_QUICK_RESPONSES
  | typeof MANAGE_CONTACTS
  | typeof MANAGE_BOARDS;

/** The permission names in a frame's field; anything but a list of strings grants nothing. */
export function granted(field: unknown): string[] {
  return Array.isArray(field) ? field.filter((p): p is string => typeof p === 'string') : [];
}

/** Whether a permission list holds p; a missing list holds nothing. */
export function has(permissions: readonly string[] | null | undefined, p: Permission): boolean {
  return Array.isArray(permissions) && permissions.includes(p);
}

/** The buttons of the conversation action bar; all false when the agent may not act on it. */
export interface ConversationActions {
  /** The agent may act on this conversation at all. */
  manage: boolean;
  pickUp: boolean;
  reopen: boolean;
  markPending: boolean;
  snooze: boolean;
  transfer: boolean;
  flag: boolean;
  close: boolean;
  wrapup: boolean;
}

const NONE: ConversationActions = {
  manage: false,
  pickUp: false,
  reopen: false,
  markPending: false,
  snooze: false,
  transfer: false,
  flag: false,
  close: false,
  wrapup: false,
};

/**
 * The lifecycle actions an agent (me, with its permissions) sees on a
 * conversation (docs/lifecycle.md). Its own and unassigned chats are every
 * agent's; someone else's only with conversations.manage_any. An agent
 * transfers only live chats; manage_any transfers whatever the status.
 */
export function conversationActions(c: Conversation, me: string | undefined, permissions: readonly string[] | null | undefined): ConversationActions {
  const any = has(permissions, MANAGE_ANY);
  if (!me || !(any || !c.assignee_id || c.assignee_id === me)) return NONE;
  const closed = c.status === 'closed';
  return {
    manage: true,
    pickUp: !c.assignee_id && c.status === 'open',
    reopen: c.status !== 'open',
    markPending: !closed && c.status !== 'pending',
    snooze: !closed,
    transfer: !closed && (any || c.status === 'open'),
    flag: true,
    close: !closed,
    wrapup: closed,
  };
}
