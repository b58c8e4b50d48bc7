// The desk's REST calls (/api/v1, same origin, session cookie).
import type { Block } from '../shared/protocol';
import type { BusinessHours } from './admin/api';

export interface Site {
  id: string;
  name: string;
  widget_key: string;
  /** Where its chats come from: the widget (web, also when absent) or a WhatsApp number (whatsapp/). */
  channel?: 'web' | 'whatsapp';
}

export interface Department {
  id: string;
  name: string;
  /** Its own schedule, narrowing its sites' hours; null follows them (settings only). */
  business_hours?: BusinessHours | null;
}

export interface Me {
  agent: { id: string; name: string; email: string; role: string };
  workspace: { id: string; name: string };
  /** What the agent may do (desk/permissions.ts); absent means none. */
  permissions?: string[];
}

export interface AgentRecord {
  id: string;
  name: string;
  email: string;
  role: string;
  status: string;
  /** Every desk closed for the grace period: offered no chats until one opens. */
  away?: boolean;
  /** Cannot sign in; offered no chats. */
  disabled?: boolean;
  max_chats: number;
  department_ids: string[];
  /** When its avatar last changed (Avatar.tsx); absent: its initial. */
  avatar_at?: string;
  /** Permissions granted beyond the role's (desk/admin/grantable.ts GRANTABLE). */
  grants?: string[];
  /** Every permission the agent holds, by its role and its grants (as the server says). */
  permissions?: string[];
}

/** The workspace's lifecycle settings (docs/api.md, PATCH /api/v1/workspace). */
export interface Settings {
  inactivity_close_minutes: number;
  pending_close_minutes: number;
  reply_timeout_seconds: number;
  default_max_chats: number;
  visitor_ttl_seconds: number;
  closed_retention_days: number;
  ticket_after_seconds: number;
  file_max_mb: number;
  files_per_conversation: number;
  /** The kinds of file that may be attached (FILE_KINDS). */
  file_types: string[];
  ticket_types: string[];
  /** An IANA zone: where analytics count days and hours. */
  time_zone: string;
}

/** The settings that are whole numbers (the others: file_types, ticket_types, time_zone). */
export type NumericSetting = Exclude<keyof Settings, 'file_types' | 'ticket_types' | 'time_zone'>;

export interface Workspace {
  id: string;
  name: string;
  settings: Settings;
}

/** An error answer: its HTTP status and the API's error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The input at fault, e.g. settings.visitor_ttl_seconds. */
    readonly field = '',
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string; field?: string } };
  if (!res.ok) {
    throw new ApiError(res.status, data.error?.code ?? `http_${res.status}`, data.error?.message ?? res.statusText, data.error?.field ?? '');
  }
  return data as T;
}

export const getMe = () => call<Me>('GET', '/me');
export const login = (email: string, password: string) => call<unknown>('POST', '/auth/login', { email, password });
export const logout = () => call<void>('POST', '/auth/logout');
export const listSites = () => call<{ items: Site[] }>('GET', '/sites').then((r) => r.items);
export const listDepartments = () => call<{ items: Department[] }>('GET', '/departments').then((r) => r.items);
export const listAgents = () => call<{ items: AgentRecord[] }>('GET', '/agents').then((r) => r.items);
export const getWorkspace = () => call<Workspace>('GET', '/workspace');
export const patchSettings = (settings: Partial<Settings>) => call<Workspace>('PATCH', '/workspace', { settings });

export type BlockKind = 'visitor' | 'ip' | 'contact';
export const listBlocks = () => call<{ items: Block[] }>('GET', '/blocks').then((r) => r.items);
export const blockVisitor = (kind: BlockKind, visitorId: string, reason: string) =>
  call<Block>('POST', '/blocks', { kind, visitor_id: visitorId, reason });
export const unblock = (id: string) => call<void>('DELETE', `/blocks/${encodeURIComponent(id)}`);

export interface AuditEntry {
  id: string;
  at: string;
  actor_id?: string;
  actor_name?: string;
  action: string;
  target_type?: string;
  target_id?: string;
  ip?: string;
  detail?: Record<string, unknown>;
}
export const listAudit = (before = '') =>
  call<{ items: AuditEntry[] }>('GET', `/audit?limit=50${before ? `&before=${encodeURIComponent(before)}` : ''}`).then((r) => r.items);
