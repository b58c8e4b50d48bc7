// Webhooks (docs/api.md, Webhooks): the events an endpoint may be sent,
// the limits of an endpoint, and the short texts the settings screen
// shows for an endpoint, a delivery and a test event. They live here,
// free of the DOM, so they are tested on their own.
import type { WebhookDelivery, WebhookPing } from './api';

/**
 * Every event type, in the order the screen offers them. The server has
 * the same list (a Go test reads this line and compares): keep it one line.
 */
export const WEBHOOK_EVENTS = ['conversation.started', 'message.created', 'conversation.assigned', 'conversation.closed', 'conversation.rated', 'ticket.created', 'ticket.updated', 'ticket.closed', 'contact.created', 'contact.updated'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The most endpoints a workspace may have (docs/api.md: the server answers 409 too_many_webhooks past it; shown here, not enforced). */
export const WEBHOOKS_LIMIT = 20;
/** The longest URL of an endpoint, in characters. */
export const WEBHOOK_URL_LIMIT = 2048;
/** The longest description of an endpoint, in characters. */
export const WEBHOOK_DESCRIPTION_LIMIT = 200;

/** The events as the form groups them: by what they are about, each group in WEBHOOK_EVENTS' order. */
export const WEBHOOK_EVENT_GROUPS: readonly { label: string; events: readonly WebhookEvent[] }[] = [
  { label: 'Conversations', prefix: 'conversation.' },
  { label: 'Messages', prefix: 'message.' },
  { label: 'Tickets', prefix: 'ticket.' },
  { label: 'Contacts', prefix: 'contact.' },
].map((g) => ({ label: g.label, events: WEBHOOK_EVENTS.filter((e) => e.startsWith(g.prefix)) }));

const isEvent = (s: string): s is WebhookEvent => (WEBHOOK_EVENTS as readonly string[]).includes(s);

/**
 * eventsInOrder is what the server is sent: each event once, the known
 * ones in WEBHOOK_EVENTS' order, then any the desk does not know as they
 * came (an endpoint's own, kept rather than dropped unseen).
 */
export function eventsInOrder(events: readonly string[]): string[] {
  const unknown = events.filter((e, i) => !isEvent(e) && events.indexOf(e) === i);
  return [...WEBHOOK_EVENTS.filter((e) => events.includes(e)), ...unknown];
}

/**
 * eventsSummary is an endpoint's events in a few words: "All events" when
 * it has every one, the event itself when it has one, else how many.
 */
export function eventsSummary(events: readonly string[] | null | undefined): string {
  const list = eventsInOrder(events ?? []);
  if (list.length === 0) return 'No events';
  if (WEBHOOK_EVENTS.every((e) => list.includes(e))) return 'All events';
  if (list.length === 1) return list[0];
  return `${list.length} events`;
}

/** urlProblem is what is wrong with an endpoint's URL ('' when nothing the desk can tell: the server checks where it points). */
export function urlProblem(url: string): string {
  const u = url.trim();
  if (!u) return 'Enter the URL Live Desk sends the events to, e.g. https://example.com/hooks/livedesk.';
  if ([...u].length > WEBHOOK_URL_LIMIT) return `The URL is at most ${WEBHOOK_URL_LIMIT} characters.`;
  let parsed: URL;
  try {
    parsed = new URL(u);
  } catch {
    return 'Enter a whole URL, starting with https://.';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'The URL starts with https:// (or http://).';
  if (!parsed.hostname) return 'The URL needs a host name, e.g. https://example.com/hooks.';
  return '';
}

/** descriptionProblem is what is wrong with an endpoint's description ('' when nothing: it may be empty). */
export function descriptionProblem(description: string): string {
  return [...description.trim()].length > WEBHOOK_DESCRIPTION_LIMIT ? `The description is at most ${WEBHOOK_DESCRIPTION_LIMIT} characters.` : '';
}

/** The message when no event is ticked. */
export const NO_EVENT = 'Choose at least one event to send.';

/** durationText is a response time: "85 ms", "1.2 s". */
export function durationText(ms: number): string {
  const n = Math.max(0, Math.round(ms));
  return n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`;
}

/** A delivery's state, as the log shows it. */
export const DELIVERY_STATE: Record<WebhookDelivery['state'], string> = {
  queued: 'Queued',
  delivered: 'Delivered',
  failed: 'Failed',
  skipped: 'Skipped',
};

/** Whether a delivery may be sent again: once it is done (delivered, failed or skipped); a queued one is on its way. */
export const canRedeliver = (d: Pick<WebhookDelivery, 'state'>): boolean => d.state !== 'queued';

/**
 * responseText is what the endpoint last answered: its HTTP status (the
 * server's error then only says it was not a 2xx), else the error of an
 * attempt that got no answer, else that none was made (yet, while queued).
 */
export function responseText(d: Pick<WebhookDelivery, 'state' | 'attempts' | 'last_status' | 'last_error'>): string {
  if (d.last_status > 0) return String(d.last_status);
  const error = d.last_error.trim();
  if (error) return error;
  if (d.attempts > 0) return 'No answer';
  return d.state === 'queued' ? 'Not sent yet' : 'Not sent';
}

/**
 * pingOutcome is the result of a test event, in a line: "Answered 200 in
 * 85 ms" (ok: a 2xx answer, as a delivery counts it), or what went wrong.
 * With a status, the server's error only says it was not a 2xx.
 */
export function pingOutcome(p: WebhookPing): { ok: boolean; text: string } {
  const took = durationText(p.duration_ms);
  if (p.status > 0) {
    const ok = p.status >= 200 && p.status < 300;
    return { ok, text: `Answered ${p.status} in ${took}${ok ? '' : ': only a 2xx answer counts as delivered'}.` };
  }
  const error = p.error.trim().replace(/\.$/, ''); // the line ends with its own
  return { ok: false, text: `No answer after ${took}${error ? `: ${error}` : ''}.` };
}
