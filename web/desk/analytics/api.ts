// The analytics' REST calls (docs/api.md, Analytics and Ratings).
import { call } from '../api';

export interface Counts {
  started: number;
  answered: number;
  missed: number;
  closed: number;
}
export interface Spread {
  count: number;
  median_s: number | null;
  p90_s: number | null;
}
export interface ChatAnalytics {
  time_zone: string;
  from: string;
  to: string;
  /** The period as instants: the first day's local midnight, and the one after the last day. */
  start: string;
  end: string;
  totals: Counts;
  previous: Counts;
  days: (Counts & { date: string })[];
  hours: number[];
  weekdays: number[];
  first_response: Spread;
  resolution: Spread;
  agents: { agent_id: string; chats: number; messages: number; first_response: Spread }[];
}
export interface Ratings {
  good: number;
  bad: number;
  score: number | null;
  agents: { agent_id?: string; good: number; bad: number }[];
  items: { conversation_id: string; agent_id?: string; rating: 'good' | 'bad'; comment?: string; rated_at: string }[];
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

const query = (f: Filter) => new URLSearchParams(Object.entries(f).filter(([, v]) => v) as [string, string][]);
export const chatAnalytics = (f: Filter) => call<ChatAnalytics>('GET', `/analytics/conversations?${query(f)}`);
/** The ratings of the same days: from the first day's local midnight to the one after the last (ChatAnalytics.start, end). */
export const ratingsOf = (f: Filter, from: string, to: string) =>
  call<Ratings>(
    'GET',
    `/ratings?${new URLSearchParams({ from, to, commented: 'true', ...(f.agent_id ? { agent_id: f.agent_id } : {}), ...(f.site_id ? { site_id: f.site_id } : {}), ...(f.department_id ? { department_id: f.department_id } : {}) })}`,
  );
