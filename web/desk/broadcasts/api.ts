// The broadcasts' REST calls (docs/api.md, Broadcasts).
import type { Audience, BroadcastFrequency, BroadcastKind, BroadcastStatus, BroadcastWithStats } from '../../shared/protocol';
import { call } from '../api';

export type { Audience, BroadcastStatus };
/** A broadcast here: as REST answers it, with its all-time counts; a socket frame's (no counts) is one too. */
export type Broadcast = BroadcastWithStats;

export type Placement = 'top' | 'bottom' | 'widget';

/** A broadcast as POST takes it; PATCH takes any of its fields (absent: kept). */
export interface BroadcastInput {
  name: string;
  kind: BroadcastKind;
  /** Banners only. */
  placement?: Placement;
  text: string;
  /** Banners only; null: none. */
  button?: { label: string; url: string } | null;
  /** Messages only: the agent it comes from (default: whoever made it). */
  sender_id?: string;
  audience: Audience;
  frequency: BroadcastFrequency;
  starts_at: string | null;
  ends_at: string | null;
}

/** How many visitors are online now, and how many of them the audience matches (languages not counted). */
export interface Estimate {
  online: number;
  matching: number;
  /** More than 10,000 visitors were online: only the first 10,000 (online) were counted. */
  capped?: boolean;
}

/** What moves a broadcast along: activate (or schedule, when its start is ahead), pause, end (for good). */
export type Step = 'activate' | 'pause' | 'end';

const path = (id: string) => `/broadcasts/${encodeURIComponent(id)}`;
/** The broadcasts, newest first, with their all-time counts ('': every status). */
export const listBroadcasts = (status: BroadcastStatus | '') => call<{ items: Broadcast[] }>('GET', `/broadcasts${status ? `?status=${status}` : ''}`).then((r) => r.items);
export const getBroadcast = (id: string) => call<Broadcast>('GET', path(id));
export const createBroadcast = (in_: BroadcastInput) => call<Broadcast>('POST', '/broadcasts', in_);
export const updateBroadcast = (id: string, in_: Partial<BroadcastInput>) => call<Broadcast>('PATCH', path(id), in_);
export const deleteBroadcast = (id: string) => call<void>('DELETE', path(id));
export const step = (id: string, s: Step) => call<Broadcast>('POST', `${path(id)}/${s}`);
export const estimate = (audience: Audience) => call<Estimate>('POST', '/broadcasts/estimate', { audience });
