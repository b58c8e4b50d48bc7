// The analytics' REST calls (docs/api.md, Analytics and Ratings).
import type { BroadcastKind, BroadcastStats, BroadcastStatus } from '../../shared/protocol';
import { call } from '../api';

export type { BroadcastStats };

export interface Counts {
  started: number;
  answered: number;
  missed: number;
  /** Of those started, the chats of visitors who had begun one before. */
  returning: number;
  closed: number;
}
export interface Spread {
  count: number;
  median_s: number | null;
  p90_s: number | null;
}
/** The days an answer covers, in the workspace's time zone. */
export interface Period {
  time_zone: string;
  from: string;
  to: string;
  /** The period as instants: the first day's local midnight, and the one after the last day. */
  start: string;
  end: string;
}
export interface ChatAnalytics extends Period {
  totals: Counts;
  previous: Counts;
  /** Each day's chats, and the ratings given that day. */
  days: (Counts & { date: string; good: number; bad: number })[];
  hours: number[];
  weekdays: number[];
  first_response: Spread;
  resolution: Spread;
  agents: { agent_id: string; chats: number; messages: number; first_response: Spread }[];
}
export interface TicketCounts {
  created: number;
  accepted: number;
  closed: number;
}
export interface TicketAnalytics extends Period {
  totals: TicketCounts;
  previous: TicketCounts;
  days: (TicketCounts & { date: string })[];
  time_to_accept: Spread;
}
export interface ContactAnalytics extends Period {
  new: number;
  previous_new: number;
  days: { date: string; new: number }[];
}
export interface OperatorAnalytics extends Period {
  agents: { agent_id: string; online_s: number; busy_s: number; offline_s: number }[];
}
export interface Ratings {
  good: number;
  bad: number;
  score: number | null;
  agents: { agent_id?: string; good: number; bad: number }[];
  items: { conversation_id: string; agent_id?: string; rating: 'good' | 'bad'; comment?: string; rated_at: string }[];
}

/** The broadcasts' counts of a period: in all, by day, and by broadcast. */
export interface BroadcastAnalytics extends Period {
  totals: BroadcastStats;
  days: (BroadcastStats & { date: string })[];
  broadcasts: (BroadcastStats & { id: string; name: string; kind: BroadcastKind; status: BroadcastStatus })[];
}

/** What a period's numbers are narrowed to ('' : any). */
export interface Filter {
  from: string;
  to: string;
  /** Instead of from and to: the last n days up to today. */
  days: string;
  site_id: string;
  department_id: string;
  agent_id: string;
}

const query = (f: object) => new URLSearchParams(Object.entries(f).filter(([, v]) => v) as [string, string][]);
export const chatAnalytics = (f: Filter) => call<ChatAnalytics>('GET', `/analytics/conversations?${query(f)}`);
export const ticketAnalytics = (f: Filter) => call<TicketAnalytics>('GET', `/analytics/tickets?${query(f)}`);
/** Contacts belong to the workspace: only the period applies. */
export const contactAnalytics = (f: Filter) => call<ContactAnalytics>('GET', `/analytics/contacts?${query({ ...f, site_id: '', department_id: '', agent_id: '' })}`);
export const operatorAnalytics = (f: Filter) => call<OperatorAnalytics>('GET', `/analytics/operators?${query({ ...f, site_id: '', department_id: '' })}`);
/** Broadcasts belong to the workspace: only the period applies; one broadcast's counts when an id is given. */
export const broadcastAnalytics = (f: Pick<Filter, 'from' | 'to' | 'days'>, broadcastId = '') =>
  call<BroadcastAnalytics>('GET', `/analytics/broadcasts?${query({ from: f.from, to: f.to, days: f.days, broadcast_id: broadcastId })}`);
/** The ratings of the same days: from the first day's local midnight to the one after the last (ChatAnalytics.start, end). */
export const ratingsOf = (f: Filter, from: string, to: string) =>
  call<Ratings>(
    'GET',
    `/ratings?${new URLSearchParams({ from, to, commented: 'true', ...(f.agent_id ? { agent_id: f.agent_id } : {}), ...(f.site_id ? { site_id: f.site_id } : {}), ...(f.department_id ? { department_id: f.department_id } : {}) })}`,
  );
