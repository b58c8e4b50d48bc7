// The settings area's REST calls (docs/api.md): sites, agents, departments, API keys, webhooks.
import type { Agent, SiteLook } from '../../shared/protocol';
import { type AgentRecord, ApiError, call, type Department } from '../api';

export type { SiteLook };

/** The longest name of a site, department or agent (bytes, as the server counts). */
export const MAX_NAME = 100;

/** The most an agent's max_chats may be (docs/api.md, Agents); 0 means the workspace's default. */
export const CHATS_PER_AGENT_LIMIT = 100;

/** Why a typed max chats would be refused (invalid_max_chats), or '' when it is a whole number from 0 to CHATS_PER_AGENT_LIMIT. */
export function maxChatsProblem(typed: string): string {
  const t = typed.trim();
  return /^\d{1,3}$/.test(t) && Number(t) <= CHATS_PER_AGENT_LIMIT ? '' : `Enter a whole number from 0 to ${CHATS_PER_AGENT_LIMIT} (0: the workspace default).`;
}

/** An agent's departments with dept added (on) or removed: the whole list PATCH department_ids wants, the others kept. */
export function withDepartment(ids: readonly string[], dept: string, on: boolean): string[] {
  if (!on) return ids.filter((d) => d !== dept);
  return ids.includes(dept) ? [...ids] : [...ids, dept];
}

export interface OpenSpan {
  weekday: number; // 0 is Sunday
  open: string; // "HH:MM"
  close: string;
}

export interface BusinessHours {
  time_zone: string;
  days: OpenSpan[] | null;
  /** Whole dates ("YYYY-MM-DD", in time_zone) when the site is closed; sorted. */
  closed_days?: string[] | null;
  /** The out-of-hours autoresponder's first message and its question ("" = the defaults). */
  closed_message?: string;
  question?: string;
  /** Out of hours, the widget asks for a name and e-mail before the first message. */
  ask_contact?: boolean;
}

/** The limits of a site's look (docs/api.md), in characters. */
export const MAX_GREETING = 200;
export const MAX_TEAM_NAME = 60;
/** The longest of an owner's own widget texts (look.texts). */
export const MAX_WIDGET_TEXT = 300;

/**
 * The look as saved: texts of enabled languages only, and none left empty
 * (an empty text is the widget's own; the server would refuse the texts of
 * a language that is not enabled).
 */
export function lookInput(l: SiteLook): SiteLook {
  const texts: SiteLook['texts'] = {};
  for (const lang of l.languages) {
    const own = Object.entries(l.texts[lang] ?? {}).filter(([, v]) => v.trim());
    if (own.length) texts[lang] = Object.fromEntries(own);
  }
  return { ...l, texts };
}

export interface SiteRecord {
  id: string;
  name: string;
  widget_key: string;
  /** The identity secret was shown once (read, or by a rotation): only a rotation shows a new one. */
  identity_secret_shown?: boolean;
  /** whatsapp: a WhatsApp number's site (Settings → WhatsApp), which has no widget to install. */
  channel?: 'web' | 'whatsapp';
  allowed_origins: string[] | null;
  business_hours: BusinessHours;
  default_department_id?: string;
  look: SiteLook;
  created_at: string;
}

export interface SiteInput {
  name?: string;
  allowed_origins?: string[];
  business_hours?: BusinessHours;
  default_department_id?: string;
  look?: Partial<SiteLook>;
}

const site = (id: string) => `/sites/${encodeURIComponent(id)}`;
export const listSites = () => call<{ items: SiteRecord[] }>('GET', '/sites').then((r) => r.items);
export const createSite = (in_: SiteInput) => call<SiteRecord>('POST', '/sites', in_);
export const updateSite = (id: string, in_: SiteInput) => call<SiteRecord>('PATCH', site(id), in_);
export const deleteSite = (id: string) => call<void>('DELETE', site(id));
export const rotateKey = (id: string) => call<SiteRecord>('POST', `${site(id)}/rotate-key`);
export interface RefusedOrigin {
  origin: string;
  count: number;
  last_seen: string;
}
/** The origins the widget was refused from lately (owners and admins). */
export const refusedOrigins = (id: string) => call<{ items: RefusedOrigin[] }>('GET', `${site(id)}/refused-origins`).then((r) => r.items);
/** A new identity secret (the old one stops verifying), returned once. */
export const rotateIdentitySecret = (id: string) =>
  call<{ identity_secret: string }>('POST', `${site(id)}/identity-secret/rotate`).then((r) => r.identity_secret);
export const identitySecret = (id: string) =>
  call<{ identity_secret: string }>('GET', `${site(id)}/identity-secret`).then((r) => r.identity_secret);

export interface AgentInput {
  name?: string;
  email?: string;
  role?: string;
  password?: string;
  max_chats?: number;
  department_ids?: string[];
  /** Permissions beyond the role's (GRANTABLE), as a whole list. */
  grants?: string[];
}

const agent = (id: string) => `/agents/${encodeURIComponent(id)}`;
export const getAgent = (id: string) => call<AgentRecord>('GET', agent(id));
export const createAgent = (in_: AgentInput) => call<{ agent: AgentRecord; password?: string }>('POST', '/agents', in_);
export const updateAgent = (id: string, in_: AgentInput) => call<AgentRecord>('PATCH', agent(id), in_);
export const deleteAgent = (id: string) => call<void>('DELETE', agent(id));
/** Disables (signed out at once, no sign-in, chats requeued) or enables an agent. */
export const setDisabled = (id: string, disabled: boolean) => call<AgentRecord>('POST', `${agent(id)}/${disabled ? 'disable' : 'enable'}`);
/** Makes image the signed-in agent's avatar: the body is the picture itself (its bytes tell its type). */
export async function putAvatar(image: Blob): Promise<Agent> {
  const res = await fetch('/api/v1/me/avatar', { method: 'PUT', credentials: 'same-origin', body: image });
  const data = (await res.json().catch(() => ({}))) as { agent: Agent; error?: { code?: string; message?: string } };
  if (!res.ok) throw new ApiError(res.status, data.error?.code ?? `http_${res.status}`, data.error?.message ?? res.statusText);
  return data.agent;
}

/** Removes the signed-in agent's avatar: its initial again. */
export const deleteAvatar = () => call<{ agent: Agent }>('DELETE', '/me/avatar').then((r) => r.agent);

/** Resets a password; with none given the server makes one and returns it (shown once). */
export const resetPassword = (id: string) =>
  call<{ password: string } | undefined>('POST', `${agent(id)}/password`, {}).then((r) => r?.password ?? '');

const dept = (id: string) => `/departments/${encodeURIComponent(id)}`;
export const createDepartment = (name: string) => call<Department>('POST', '/departments', { name });
/** Renames a department or sets its own hours (null: it follows its sites). */
export const updateDepartment = (id: string, patch: { name?: string; business_hours?: BusinessHours | null }) =>
  call<Department>('PATCH', dept(id), patch);
export const deleteDepartment = (id: string) => call<void>('DELETE', dept(id));

/** The tag a site pastes into its pages (docs/ui.md). */
export function snippet(origin: string, widgetKey: string): string {
  return `<script src="${origin}/widget.js" data-site="${widgetKey}" async></script>`;
}

/** originsFrom reads a textarea: one origin per line, blanks dropped. */
export function originsFrom(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** One agent's ratings (GET /api/v1/ratings). */
export interface RatingCount {
  agent_id?: string;
  good: number;
  bad: number;
}
/** The last 30 days' ratings, by agent. */
export const agentRatings = () => call<{ agents: RatingCount[] }>('GET', '/ratings').then((r) => r.agents);

/** An API key (docs/api.md, Public API); the token itself is only in the create's answer. */
export interface APIKey {
  id: string;
  name: string;
  /** The token's first characters, to recognise it (shown as ld_<prefix>…). */
  prefix: string;
  /** "<resource>:<access>", e.g. "contacts:read", "tickets:write". */
  scopes: string[];
  /** The agent who made it: the key acts with their rights, narrowed to its scopes. */
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const apiKey = (id: string) => `/api-keys/${encodeURIComponent(id)}`;
/** Every key of the workspace, newest first, revoked ones included (owners and admins). */
export const listAPIKeys = () => call<{ items: APIKey[] | null }>('GET', '/api-keys').then((r) => r.items ?? []);
/** A new key and its token, returned once. */
export const createAPIKey = (name: string, scopes: string[]) => call<{ key: APIKey; token: string }>('POST', '/api-keys', { name, scopes });
/** Revokes a key at once; it stays listed, revoked. */
export const revokeAPIKey = (id: string) => call<void>('DELETE', apiKey(id));

/**
 * A webhook endpoint (docs/api.md, Webhooks): where Live Desk POSTs the
 * events it is sent. Its signing secret is only in the answers that make
 * it or rotate it.
 */
export interface Webhook {
  id: string;
  url: string;
  description: string;
  /** Event types (webhooks.ts WEBHOOK_EVENTS). */
  events: string[];
  enabled: boolean;
  /** Why it was turned off when the server did it ("" otherwise). */
  disabled_reason: string;
  /** The first failure since its last success, while it keeps failing. */
  failing_since?: string;
  created_at: string;
  updated_at: string;
}

/** What a webhook is made with or changed to. */
export interface WebhookInput {
  url: string;
  description: string;
  events: string[];
}

/** One endpoint's delivery of one event (the delivery log). */
export interface WebhookDelivery {
  event_id: string;
  type: string;
  /** What the event is about, e.g. a conversation's id. */
  subject: string;
  /** queued: on its way (again); failed: given up; skipped: its message was erased before it went. */
  state: 'queued' | 'delivered' | 'failed' | 'skipped';
  attempts: number;
  /** The last answer's HTTP status (0: none). */
  last_status: number;
  last_error: string;
  last_duration_ms: number;
  created_at: string;
  last_attempt_at?: string;
  /** When it is tried next (only while queued). */
  next_attempt_at?: string;
  delivered_at?: string;
}

/** A test event's outcome: the answer's HTTP status (0: none), what went wrong, how long it took. */
export interface WebhookPing {
  status: number;
  error: string;
  duration_ms: number;
}

const webhook = (id: string) => `/webhooks/${encodeURIComponent(id)}`;
/** Every webhook of the workspace (owners and admins). */
export const listWebhooks = () => call<{ items: Webhook[] | null }>('GET', '/webhooks').then((r) => r.items ?? []);
/** A new webhook and its signing secret, returned once. */
export const createWebhook = (in_: WebhookInput) => call<{ webhook: Webhook; secret: string }>('POST', '/webhooks', in_);
/** Changes a webhook; enabled turns it on or off. */
export const updateWebhook = (id: string, patch: Partial<WebhookInput> & { enabled?: boolean }) => call<Webhook>('PATCH', webhook(id), patch);
/** Deletes a webhook and its delivery log. */
export const deleteWebhook = (id: string) => call<void>('DELETE', webhook(id));
/** A new signing secret (the old one stops at once), returned once. */
export const rotateWebhookSecret = (id: string) => call<{ secret: string }>('POST', `${webhook(id)}/secret`).then((r) => r.secret);
/** Sends a test event now and says how the endpoint answered. */
export const pingWebhook = (id: string) => call<WebhookPing>('POST', `${webhook(id)}/ping`);
/** A page of a webhook's deliveries, newest first; next is the cursor of the page before it ("" when none). */
export const listDeliveries = (id: string, before = '') =>
  call<{ items: WebhookDelivery[] | null; next_before?: string }>('GET', `${webhook(id)}/deliveries?limit=50${before ? `&before=${encodeURIComponent(before)}` : ''}`).then((r) => ({
    items: r.items ?? [],
    next: r.next_before ?? '',
  }));
/** Sends a delivery again, as it was: it is queued anew. */
export const redeliver = (id: string, eventId: string) => call<WebhookDelivery>('POST', `${webhook(id)}/deliveries/${encodeURIComponent(eventId)}/redeliver`);
