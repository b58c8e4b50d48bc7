import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  canRedeliver,
  descriptionProblem,
  durationText,
  eventsInOrder,
  eventsSummary,
  WEBHOOK_URL_LIMIT,
  WEBHOOK_DESCRIPTION_LIMIT,
  pingOutcome,
  responseText,
  urlProblem,
  WEBHOOK_EVENT_GROUPS,
  WEBHOOK_EVENTS,
} from './webhooks';

describe('the events', () => {
  it('are listed on one line, as the server test reads them', () => {
    const line = readFileSync(new URL('./webhooks.ts', import.meta.url), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('export const WEBHOOK_EVENTS = ['));
    expect(line).toMatch(/^export const WEBHOOK_EVENTS = \[('[a-z.]+', )*'[a-z.]+'\] as const;$/);
    expect([...(line ?? '').matchAll(/'([a-z.]+)'/g)].map((m) => m[1])).toEqual([...WEBHOOK_EVENTS]);
  });
  it('are grouped by what they are about, each once', () => {
    expect(WEBHOOK_EVENT_GROUPS.map((g) => g.label)).toEqual(['Conversations', 'Messages', 'Tickets', 'Contacts']);
    expect(WEBHOOK_EVENT_GROUPS.flatMap((g) => g.events).sort()).toEqual([...WEBHOOK_EVENTS].sort());
    expect(WEBHOOK_EVENT_GROUPS[0].events).toEqual(['conversation.started', 'conversation.assigned', 'conversation.closed', 'conversation.rated']);
  });
  it('are sent once each, in the list order, unknown ones kept last', () => {
    expect(eventsInOrder(['ticket.closed', 'conversation.started', 'x.y', 'ticket.closed', 'x.y'])).toEqual(['conversation.started', 'ticket.closed', 'x.y']);
    expect(eventsInOrder([])).toEqual([]);
  });
  it('are summed up in a few words', () => {
    expect(eventsSummary([...WEBHOOK_EVENTS].reverse())).toBe('All events');
    expect(eventsSummary(['ticket.created'])).toBe('ticket.created');
    expect(eventsSummary(['ticket.created', 'ticket.created'])).toBe('ticket.created');
    expect(eventsSummary(['ticket.created', 'contact.created', 'message.created'])).toBe('3 events');
    expect(eventsSummary([])).toBe('No events');
    expect(eventsSummary(null)).toBe('No events');
  });
});

describe("an endpoint's URL and description", () => {
  it('wants a whole http or https URL', () => {
    expect(urlProblem('https://example.com/hooks/livedesk')).toBe('');
    expect(urlProblem('  http://127.0.0.1:9/hook ')).toBe('');
    expect(urlProblem('')).not.toBe('');
    expect(urlProblem('example.com/hook')).not.toBe('');
    expect(urlProblem('ftp://example.com/hook')).not.toBe('');
    expect(urlProblem('javascript:alert(1)')).not.toBe('');
  });
  it(`wants at most ${WEBHOOK_URL_LIMIT} characters`, () => {
    const base = 'https://example.com/';
    expect(urlProblem(base + 'a'.repeat(WEBHOOK_URL_LIMIT - base.length))).toBe('');
    expect(urlProblem(base + 'a'.repeat(WEBHOOK_URL_LIMIT - base.length + 1))).toMatch(/at most/);
  });
  it(`takes a description of up to ${WEBHOOK_DESCRIPTION_LIMIT} characters, or none`, () => {
    expect(descriptionProblem('')).toBe('');
    expect(descriptionProblem('é'.repeat(WEBHOOK_DESCRIPTION_LIMIT))).toBe('');
    expect(descriptionProblem('a'.repeat(WEBHOOK_DESCRIPTION_LIMIT + 1))).not.toBe('');
  });
});

describe('deliveries and test events', () => {
  const d = { state: 'failed', attempts: 1, last_status: 0, last_error: '' } as const;
  it('say what the endpoint last answered', () => {
    expect(responseText({ ...d, last_status: 200 })).toBe('200');
    expect(responseText({ ...d, last_status: 503, last_error: 'the endpoint answered 503' })).toBe('503');
    expect(responseText({ ...d, last_error: 'connection refused' })).toBe('connection refused');
    expect(responseText(d)).toBe('No answer');
    expect(responseText({ ...d, state: 'queued', attempts: 0 })).toBe('Not sent yet');
    expect(responseText({ ...d, state: 'skipped', attempts: 0 })).toBe('Not sent');
  });
  it('may be sent again once done', () => {
    expect(canRedeliver({ state: 'queued' })).toBe(false);
    expect(canRedeliver({ state: 'delivered' })).toBe(true);
    expect(canRedeliver({ state: 'failed' })).toBe(true);
    expect(canRedeliver({ state: 'skipped' })).toBe(true);
  });
  it('tell how long an answer took', () => {
    expect(durationText(85)).toBe('85 ms');
    expect(durationText(999.6)).toBe('1.0 s');
    expect(durationText(1234)).toBe('1.2 s');
    expect(durationText(-1)).toBe('0 ms');
  });
  it('tell how a test event went', () => {
    expect(pingOutcome({ status: 200, error: '', duration_ms: 85 })).toEqual({ ok: true, text: 'Answered 200 in 85 ms.' });
    expect(pingOutcome({ status: 404, error: 'the endpoint answered 404', duration_ms: 12 })).toEqual({
      ok: false,
      text: 'Answered 404 in 12 ms: only a 2xx answer counts as delivered.',
    });
    expect(pingOutcome({ status: 0, error: 'connection refused', duration_ms: 3 })).toEqual({ ok: false, text: 'No answer after 3 ms: connection refused.' });
    expect(pingOutcome({ status: 0, error: 'no answer within 10s.', duration_ms: 10000 })).toEqual({ ok: false, text: 'No answer after 10.0 s: no answer within 10s.' });
    expect(pingOutcome({ status: 0, error: '', duration_ms: 10000 })).toEqual({ ok: false, text: 'No answer after 10.0 s.' });
  });
});
