// Types of the realtime protocol (docs/protocol.md, subprotocol livedesk.v1).
// Only the fields the UIs read are listed; unknown fields are ignored.

export const SUBPROTOCOL = 'livedesk.v1';

export interface Message {
  id: string;
  conversation_id: string;
  seq: number;
  client_msg_id: string;
  /**
   * hidden: a private event as a visitor receives it (counted for seq, never shown); comment: an
   * agent's private note (desks only); file: an attachment, meta.file names it, body is its name.
   */
  kind: 'text' | 'file' | 'system' | 'hidden' | 'comment';
  author_type: 'visitor' | 'agent' | 'system';
  author_id?: string;
  author_name?: string;
  body: string;
  created_at: string;
  /** Agents only see these (transfer notes, wrap-ups). */
  private?: boolean;
  /** A system event's structured data: {event: 'status' | 'assigned' | 'transfer' | 'wrapup', …}. */
  meta?: Record<string, unknown>;
}

export type ConversationStatus = 'open' | 'pending' | 'snoozed' | 'closed';

export type ContextData = Record<string, string | number | boolean | null>;

/** A conversation's delivered and seen markers: each only moves forward. */
export interface Markers {
  /** How far the visitor has had the conversation on screen (seen states). */
  visitor_read_seq?: number;
  /** How far the agent furthest along has had it on screen. */
  agent_read_seq?: number;
  /** How far a device of the visitor has received it (delivered states; never behind visitor_read_seq). */
  visitor_delivered_seq?: number;
  /** How far a desk of the assigned agent has received it. */
  agent_delivered_seq?: number;
}

export interface Conversation extends Markers {
  id: string;
  site_id: string;
  visitor_id: string;
  contact_id?: string;
  department_id?: string;
  assignee_id?: string;
  status: ConversationStatus;
  context: ContextData | null;
  last_seq: number;
  last_message: string;
  created_at: string;
  updated_at: string;
  last_activity_at: string;
  status_changed_at?: string;
  flagged?: boolean;
  wrapup_tags?: string[];
  wrapup_notes?: string;
  closed_at?: string;
  closed_by?: 'agent' | 'visitor' | 'system';
  closed_by_agent_id?: string;
  /** The ticket the conversation belongs to (desks only). */
  ticket_id?: string;
  /** Its out-of-hours session's phase, and when it ends by itself. */
  offhours?: 'asked' | 'leaving' | 'ended';
  offhours_due?: string;
  snooze_until?: string;
  assigned_at?: string;
  /** The visitor's rating once it ended (docs/protocol.md, Ratings), its comment, when it was last given. */
  rating?: Rating;
  rating_comment?: string;
  rated_at?: string;
  /** The agent the rating counts for (desks only). */
  rated_agent_id?: string;
  /** When the visitor first wrote; when an agent first answered after that (its first public text or file), and who (desks only). */
  first_visitor_at?: string;
  /** When the visitor last wrote: what "New customer activity" sorts by. */
  last_visitor_at?: string;
  first_response_at?: string;
  first_responder_id?: string;
  /** Each side's texts and files (absent when 0). */
  agent_messages?: number;
  visitor_messages?: number;
}

export type Rating = 'good' | 'bad';
/** A chat may be rated, or its rating changed, this long after it ended. */
export const RATING_WINDOW_MS = 24 * 3600 * 1000;
export const MAX_RATING_COMMENT = 1000;

export interface Visitor {
  id: string;
  site_id: string;
  contact_id?: string;
  name?: string;
  email?: string;
  page_url: string;
  page_title: string;
  referrer: string;
  pages_seen: number;
  online: boolean;
  /** The address it last connected from (desk views only). */
  ip?: string;
  /** Absent in a `visitor` delta when unchanged since the last one: keep the one held. */
  context?: ContextData | null;
  session_start: string;
  last_seen_at: string;
  created_at: string;
  /** A widget socket is open now (desk views only). */
  connected?: boolean;
}

export interface PageView {
  url: string;
  title: string;
  referrer: string;
  viewed_at: string;
}

export type AgentStatus = 'online' | 'busy' | 'offline';

export interface Agent {
  id: string;
  name: string;
  role: string;
  status: AgentStatus;
  /** Every desk of the agent has been closed for the grace period: offline in effect, whatever status it chose. */
  away?: boolean;
  /** Disabled by an admin: signed out, cannot sign in. */
  disabled?: boolean;
  status_changed_at: string;
  department_ids: string[];
  /** When the agent's avatar last changed (GET /api/v1/agents/{id}/avatar?v=…); absent: initials. */
  avatar_at?: string;
}

/**
 * How the widget shows itself on a site (display only: agents' names still
 * travel in frames). greeting '' means the widget's own; team_name '' means
 * the site's name.
 */
export interface SiteLook {
  color: string;
  greeting: string;
  agent_names: boolean;
  team_name: string;
  /** The widget languages the site enabled, in order (never empty): the widget picks one (web/widget/i18n.ts). */
  languages: string[];
  /** The owner's texts: language → text key → text; a text not listed is the widget's own. */
  texts: Record<string, Record<string, string>>;
  /** The widget asks the visitor to rate a chat when it ends. */
  ratings: boolean;
}

export interface Welcome {
  type: 'welcome';
  id: string;
  protocol: number;
  conn_id: string;
  role: 'visitor' | 'agent';
  heartbeat_ms?: number;
  server_time: number;
  token?: string;
  visitor?: Visitor;
  /** closed: out of hours at hello; ask_contact: ask for a name and e-mail before the first message then. */
  site?: { id: string; name: string; look: SiteLook; closed?: boolean; ask_contact?: boolean };
  agent?: Agent;
  /**
   * What the signed-in agent may do (desk sockets only): conversations.manage_any,
   * workspace.manage. Absent means none.
   */
  permissions?: string[];
  conversations: Conversation[];
  /** Desk: how far this agent has read each listed conversation (absent: never). */
  seen?: Record<string, number>;
  /** Desk: the agent's unread inbox items and its newest item's seq. */
  inbox?: { unread: number; seq: number };
  /** Desk: the conversations, not closed, a comment mentioned this agent in (the Tagged tab). */
  tagged?: string[];
  /** What the workspace accepts as attachments (both sides). */
  files?: FilePolicy;
  /** Widget: the tickets the visitor follows. */
  tickets?: PublicTicket[];
}

/** What a ticket's requester sees of it (the widget). */
export interface PublicTicket {
  id: string;
  subject: string;
  stage: Stage;
  updated_at: string;
  /** false: withdrawn, drop it. */
  public: boolean;
}

/** What a workspace accepts as attachments: max_bytes 0 means none. */
export interface FilePolicy {
  max_bytes: number;
  per_conversation: number;
  /** Allowed extensions: ".pdf", ".png", … */
  accept: string[];
}

/** A file message's meta.file. */
export interface FileMeta {
  id: string;
  name: string;
  type: string;
  size: number;
  width?: number;
  height?: number;
}

/** Answers a command; which fields are set depends on the command. */
export interface Ack {
  type: 'ack';
  id: string;
  conversation_id?: string;
  seq?: number;
  duplicate?: boolean;
  message?: Message;
  conversation?: Conversation;
  last_seq?: number;
  more?: boolean;
  visitor?: Visitor;
  pages?: PageView[];
  context?: ContextData;
  verified?: boolean;
  /** identify: a new visitor's token when another person signed in (the socket then closes with 4012). */
  token?: string;
  agent?: Agent;
  conversations?: Conversation[];
  /** broadcasts.sync: what this page view shows now (every other one it showed is withdrawn). */
  broadcasts?: BroadcastView[];
}

/** A broadcast as the widget shows it (broadcasts.sync). */
export interface BroadcastView {
  id: string;
  kind: 'banner' | 'message';
  /** A banner's place: the top or bottom of the page, or inside the widget's panel. */
  placement?: 'top' | 'bottom' | 'widget';
  text: string;
  button?: { label: string; url: string };
  /** A chat message's sender, as the visitor sees it. */
  sender?: string;
}

export type BroadcastKind = 'banner' | 'message';
export type BroadcastStatus = 'draft' | 'scheduled' | 'active' | 'paused' | 'ended';
export type BroadcastFrequency = 'once' | 'session' | 'day' | 'page_view';
export type PageMatch = 'equals' | 'contains' | 'starts_with' | 'glob';

/** Who a broadcast is for (docs/api.md, Broadcasts): every rule that is set must hold. */
export interface Audience {
  site_ids: string[];
  pages: { match: PageMatch; value: string }[];
  visitors: 'all' | 'new' | 'returning';
  identity: 'all' | 'identified' | 'anonymous';
  fields: { key: string; value: string }[];
  languages: string[];
}

/** A broadcast's counts: visitors reached, times shown, visitors who dismissed, clicked and replied. */
export interface BroadcastStats {
  reached: number;
  shown: number;
  dismissed: number;
  clicked: number;
  replied: number;
}

/** A broadcast as the desk manages it (docs/api.md, Broadcasts). */
export interface Broadcast {
  id: string;
  name: string;
  kind: BroadcastKind;
  placement?: 'top' | 'bottom' | 'widget';
  text: string;
  button?: { label: string; url: string };
  sender_id?: string;
  audience: Audience;
  frequency: BroadcastFrequency;
  status: BroadcastStatus;
  starts_at: string | null;
  ends_at: string | null;
  created_by?: string;
  created_at: string;
  updated_at: string;
}

/** A broadcast as REST answers it: with its all-time counts (socket frames have none). */
export type BroadcastWithStats = Broadcast & { stats?: BroadcastStats };

/** A contact's typed custom field (docs/api.md, Contacts). */
export type FieldType = 'text' | 'number' | 'date' | 'boolean' | 'link';
export interface ContactField {
  type: FieldType;
  value: string | number | boolean;
}

/** A known person across visits, devices and sites (docs/api.md, Contacts). */
export interface Contact {
  id: string;
  external_id: string;
  name: string;
  email: string;
  phone: string;
  fields: Record<string, ContactField>;
  /** Made from an address a visitor typed: vouched for by nobody. */
  claimed: boolean;
  merged_into?: string;
  created_at: string;
  updated_at: string;
}

export type Stage = 'new' | 'in_progress' | 'waiting' | 'resolved' | 'closed';
export type Priority = 'low' | 'normal' | 'high' | 'urgent';

/** A column of a board, mapped to a stage. */
export interface Column {
  id: string;
  board_id: string;
  name: string;
  stage: Stage;
  position: number;
  archived_at?: string;
}

/** A view of the tickets by column (docs/api.md, Boards). */
export interface Board {
  id: string;
  workspace_id: string;
  name: string;
  position: number;
  archived_at?: string;
  columns: Column[];
  created_at: string;
  updated_at: string;
}

/** A chat that found no agent, waiting to be accepted and answered (docs/api.md, Tickets). */
export interface Ticket {
  id: string;
  /** Site, visitor and conversation are '' for a ticket made without a chat, until one is linked. */
  site_id: string;
  visitor_id: string;
  contact_id?: string;
  department_id?: string;
  conversation_id: string;
  assignee_id?: string;
  status: 'open' | 'closed';
  reason: 'out_of_hours' | 'no_agent' | 'agent';
  subject: string;
  created_at: string;
  updated_at: string;
  accepted_at?: string;
  closed_at?: string;
  closed_by?: 'agent' | 'system';
  closed_by_agent_id?: string;
  archived_at?: string;
  /** Its place in its life; a board column maps to one (docs/api.md, Boards). */
  stage: Stage;
  /** Set once an agent placed it on a board; rank orders its column. */
  board_id?: string;
  column_id?: string;
  rank?: number;
  /** What agents set (PATCH /api/v1/tickets/{id}). */
  priority: Priority;
  type?: string;
  due_at?: string;
  tags: string[];
  description?: string;
  /** A duplicate's: the ticket it was merged into. */
  merged_into?: string;
  /** Its requester follows it in the widget. */
  public: boolean;
  visitor_name: string;
  visitor_email?: string;
  last_message: string;
  last_activity_at: string;
  /** The e-mail of the latest answer (absent: none), and why it failed. */
  mail_state?: 'queued' | 'sent' | 'failed' | 'skipped';
  mail_error?: string;
}

/** An item of an agent's inbox (docs/protocol.md, Comments and the inbox). */
export interface InboxItem {
  id: string;
  agent_id: string;
  seq: number;
  kind: 'mention' | 'assigned' | 'transferred' | 'ticket_assigned' | 'ticket_reply' | string;
  conversation_id?: string;
  ticket_id?: string;
  actor_id?: string;
  actor_name?: string;
  summary: string;
  data?: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  read_at?: string;
  archived_at?: string;
}

export interface ErrorFrame {
  type: 'error';
  id?: string;
  code: string;
  message: string;
  field?: string;
  retry?: boolean;
  /** With busy and rate_limited: how long to wait before sending it again. */
  retry_after_ms?: number;
}

/** A WhatsApp message's delivery as WhatsApp reported it (docs/channels.md). */
export interface WhatsAppStatus {
  seq: number;
  status: 'queued' | 'sent' | 'delivered' | 'read' | 'failed';
  error_code?: number;
  error?: string;
}

/** The channel state of a WhatsApp conversation (docs/api.md, WhatsApp). */
export interface WhatsAppState {
  conversation_id: string;
  site_id: string;
  /** The customer's number (or WhatsApp user id when WhatsApp gave no number). */
  to: string;
  /** 24 h after the customer's last message: free text until then, templates after. */
  window_expires_at: string | null;
  /** The channel has its credentials (an admin may have disconnected it). */
  connected: boolean;
  /** The latest outbound messages' states, by seq. */
  statuses: WhatsAppStatus[];
}

export type ServerEvent =
  | { type: 'message'; message: Message }
  | { type: 'conversation'; conversation: Conversation }
  | {
      type: 'typing';
      conversation_id: string;
      author_type: 'visitor' | 'agent';
      author_id: string;
      author_name?: string;
      on: boolean;
    }
  | { type: 'viewing'; conversation_id: string; agent_id: string; agent_name: string; on: boolean }
  | { type: 'seen'; conversation_id: string; agent_id: string; seq: number }
  | ({ type: 'receipts'; conversation_id: string } & Required<Markers>)
  | { type: 'visitor'; visitor: Visitor; new?: boolean }
  | { type: 'visitor.left'; visitor_id: string }
  | { type: 'agent'; agent: Agent }
  | { type: 'agent.removed'; agent_id: string }
  | { type: 'visitor.blocked'; block: Block; visitor_ids?: string[]; ip?: string }
  | { type: 'ticket'; ticket: Ticket }
  | { type: 'contact'; contact: Contact; erased?: boolean }
  | { type: 'board'; board: Board }
  | { type: 'broadcast'; broadcast: Broadcast }
  | { type: 'broadcast.removed'; broadcast_id: string }
  | { type: 'broadcast.changed'; broadcast_id: string; live: boolean }
  | { type: 'ticket.status'; ticket: PublicTicket }
  | { type: 'inbox'; items: InboxItem[]; unread: number }
  | { type: 'whatsapp'; whatsapp: WhatsAppState }
  | { type: 'snapshot'; visitors: Visitor[]; agents: Agent[] };

export type ServerFrame =
  | Welcome
  | Ack
  | ErrorFrame
  | { type: 'pong'; id: string; server_time: number }
  | ServerEvent;

/** A command's error, as the server reported it or as the client saw it. */
export class CommandError extends Error {
  readonly code: string;
  readonly retry: boolean;
  readonly field?: string;
  /** How long the server asks the client to wait before trying again (ms; 0: its own backoff). */
  readonly retryAfterMs: number;

  constructor(code: string, message: string, retry: boolean, field?: string, retryAfterMs = 0) {
    super(message);
    this.name = 'CommandError';
    this.code = code;
    this.retry = retry;
    this.field = field;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The code of a command that was cut off by a lost connection: retry it. */
export const DISCONNECTED = 'disconnected';

// Limits the UIs apply before sending (docs/protocol.md). The contract
// test in internal/realtime fails when one differs from the server's.

/** A message's text, in characters (a textarea counts UTF-16 units: stricter than the server). */
export const MAX_TEXT = 4000;
/** A heartbeat's page title, in characters. */
export const MAX_PAGE_TITLE = 300;
/** A heartbeat's url and referrer, in bytes (a URL is ASCII once encoded). */
export const MAX_PAGE_URL = 2048;

/**
 * Splits one WebSocket message into frames: the server may batch several,
 * separated by newlines. Lines that are not JSON objects are dropped.
 */
export function parseFrames(data: string): ServerFrame[] {
  const out: ServerFrame[] = [];
  for (const line of data.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const f: unknown = JSON.parse(line);
      if (f && typeof f === 'object' && typeof (f as { type?: unknown }).type === 'string') {
        out.push(f as ServerFrame);
      }
    } catch {
      // A frame we cannot read is skipped; the seq machinery recovers any message in it.
    }
  }
  return out;
}

/** A block keeps a visitor, an address or a contact out of the widgets. */
export interface Block {
  id: string;
  workspace_id: string;
  kind: 'visitor' | 'ip' | 'contact';
  value: string;
  reason: string;
  created_by?: string;
  created_at: string;
}
