import { describe, expect, it } from 'vitest';
import { ApiError } from '../api';
import type { WhatsAppTemplate } from './api';
import { filled, leftText, missing, notesBySeq, paramsOf, parts, phoneText, prefill, sendable, sendProblem, statusNote, windowLeft } from './whatsapp';

const NOW = Date.parse('2025-03-04T10:00:00Z');
const MIN = 60_000;

const template = (over: Partial<WhatsAppTemplate> = {}): WhatsAppTemplate => ({
  id: 't1',
  name: 'order_update',
  language: 'en_US',
  category: 'UTILITY',
  status: 'APPROVED',
  body: 'Hi {{1}}, your order {{2}} has shipped.',
  params: ['1', '2'],
  ...over,
});

describe('the 24-hour window', () => {
  it('is open until it expires', () => {
    expect(windowLeft('2025-03-04T13:12:30Z', NOW)).toBe(3 * 3600_000 + 12 * MIN + 30_000);
    expect(windowLeft('2025-03-04T10:00:00Z', NOW)).toBe(0);
  });
  it('is closed once past, when there is none, or when the time cannot be read', () => {
    expect(windowLeft('2025-03-04T09:59:59Z', NOW)).toBe(0);
    expect(windowLeft(null, NOW)).toBe(0);
    expect(windowLeft(undefined, NOW)).toBe(0);
    expect(windowLeft('soon', NOW)).toBe(0);
  });
  it('counts down in hours and minutes, rounded down', () => {
    expect(leftText(3 * 3600_000 + 12 * MIN + 59_000)).toEqual({ short: '3 h 12 min', long: '3 hours 12 minutes' });
    expect(leftText(23 * 3600_000 + 59 * MIN + 59_000).short).toBe('23 h 59 min');
    expect(leftText(3600_000)).toEqual({ short: '1 h', long: '1 hour' });
    expect(leftText(3600_000 + MIN)).toEqual({ short: '1 h 1 min', long: '1 hour 1 minute' });
    expect(leftText(42 * MIN + 10_000)).toEqual({ short: '42 min', long: '42 minutes' });
    expect(leftText(MIN)).toEqual({ short: '1 min', long: '1 minute' });
  });
  it('never says 0 minutes: under one it says less than a minute', () => {
    expect(leftText(59_999)).toEqual({ short: '< 1 min', long: 'less than a minute' });
    expect(leftText(0).long).toBe('less than a minute');
    expect(leftText(-5).short).toBe('< 1 min');
  });
});

describe('the customer’s number', () => {
  it('is written with its + when WhatsApp gave digits', () => {
    expect(phoneText('4915112345678')).toBe('+4915112345678');
    expect(phoneText('+4915112345678')).toBe('+4915112345678');
  });
  it('stays as it came otherwise (a WhatsApp user id, a short code)', () => {
    expect(phoneText('US.13491208655302741918')).toBe('US.13491208655302741918');
    expect(phoneText('12345')).toBe('12345');
    expect(phoneText('')).toBe('');
  });
});

describe('a template filled in', () => {
  it('splits its text at the variables, each with its value', () => {
    expect(parts('Hi {{1}}, order {{ 2 }}.', { '1': ' Maya ', '2': '' })).toEqual(['Hi ', { param: '1', value: 'Maya' }, ', order ', { param: '2', value: '' }, '.']);
    expect(parts('{{first_name}}', { first_name: 'Maya' })).toEqual([{ param: 'first_name', value: 'Maya' }]);
    expect(parts('No variables.', {})).toEqual(['No variables.']);
    expect(parts('', {})).toEqual([]);
  });
  it('reads with its values in place, and an empty one written out', () => {
    expect(filled(template().body, { '1': 'Maya', '2': 'A-1001' })).toBe('Hi Maya, your order A-1001 has shipped.');
    expect(filled(template().body, { '1': 'Maya' })).toBe('Hi Maya, your order {{2}} has shipped.');
    expect(filled('Hi {{1}}, again {{1}}', { '1': 'Bo' })).toBe('Hi Bo, again Bo');
  });
  it('lists the variables still empty, in order', () => {
    expect(missing(['1', '2'], { '1': 'Maya', '2': '  ' })).toEqual(['2']);
    expect(missing(['1', '2'], {})).toEqual(['1', '2']);
    expect(missing([], {})).toEqual([]);
  });
  it('takes its variables from params, else from its texts', () => {
    expect(paramsOf(template())).toEqual(['1', '2']);
    expect(paramsOf(template({ params: null, header: 'Order {{2}}', body: 'Hi {{1}}, {{2}} shipped', footer: 'Reply STOP' }))).toEqual(['2', '1']);
    expect(paramsOf(template({ params: [], body: 'Plain' }))).toEqual([]);
  });
});

describe('prefill', () => {
  const known = { name: 'Maya Lopez Garcia', email: 'maya@example.com', phone: '4915112345678', agent: 'Ana' };
  it('gives {{1}} and the name variables the customer’s name', () => {
    expect(prefill(['1', '2'], known)).toEqual({ '1': 'Maya Lopez Garcia', '2': '' });
    expect(prefill(['name', 'customer_name', 'Full_Name'], known)).toEqual({ name: 'Maya Lopez Garcia', customer_name: 'Maya Lopez Garcia', Full_Name: 'Maya Lopez Garcia' });
  });
  it('splits the name for first_name and last_name', () => {
    expect(prefill(['first_name', 'last_name'], known)).toEqual({ first_name: 'Maya', last_name: 'Lopez Garcia' });
    expect(prefill(['first_name', 'last_name'], { name: 'Maya' })).toEqual({ first_name: 'Maya', last_name: '' });
  });
  it('fills e-mail, phone and the agent’s name', () => {
    expect(prefill(['email', 'phone_number', 'agent_name'], known)).toEqual({ email: 'maya@example.com', phone_number: '4915112345678', agent_name: 'Ana' });
  });
  it('leaves what it does not know empty', () => {
    expect(prefill(['1', 'order_id', 'constructor', 'first_name'], {})).toEqual({ '1': '', order_id: '', constructor: '', first_name: '' });
    expect(prefill(['2', '3'], known)).toEqual({ '2': '', '3': '' });
  });
});

describe('the templates offered', () => {
  it('are the approved ones, by name then language', () => {
    const list = [
      template({ id: 'a', name: 'welcome', language: 'es' }),
      template({ id: 'b', name: 'welcome', language: 'en' }),
      template({ id: 'c', name: 'away', status: 'PENDING' }),
      template({ id: 'd', name: 'bill', status: 'REJECTED' }),
      template({ id: 'e', name: 'apology' }),
    ];
    expect(sendable(list).map((t) => t.id)).toEqual(['e', 'b', 'a']);
    expect(sendable([])).toEqual([]);
  });
});

describe('a delivery state under its message', () => {
  it('says why WhatsApp did not deliver it', () => {
    expect(statusNote({ seq: 4, status: 'failed', error: 'Re-engagement message', error_code: 131047 })).toEqual({
      text: 'Not delivered on WhatsApp: Re-engagement message (131047)',
      failed: true,
    });
    expect(statusNote({ seq: 4, status: 'failed', error: 'Message undeliverable.' })?.text).toBe('Not delivered on WhatsApp: Message undeliverable');
    expect(statusNote({ seq: 4, status: 'failed', error_code: 131026 })?.text).toBe('Not delivered on WhatsApp (131026)');
    expect(statusNote({ seq: 4, status: 'failed' })?.text).toBe('Not delivered on WhatsApp');
  });
  it('marks one not yet sent to WhatsApp', () => {
    expect(statusNote({ seq: 5, status: 'queued' })).toEqual({ text: 'Not yet sent to WhatsApp', failed: false });
  });
  it('adds nothing once sent, delivered or read (the receipts show those)', () => {
    for (const status of ['sent', 'delivered', 'read'] as const) expect(statusNote({ seq: 6, status })).toBeNull();
  });
  it('keeps each seq’s latest state', () => {
    const notes = notesBySeq([
      { seq: 1, status: 'queued' },
      { seq: 2, status: 'failed', error: 'Spam rate limit hit', error_code: 131048 },
      { seq: 1, status: 'delivered' },
      { seq: 3, status: 'queued' },
      { seq: 3, status: 'failed' },
    ]);
    expect([...notes.keys()]).toEqual([2, 3]);
    expect(notes.get(3)?.failed).toBe(true);
    expect(notesBySeq(null).size).toBe(0);
  });
});

describe('a refused template send', () => {
  it('names the variable the server says is missing', () => {
    expect(sendProblem(new ApiError(422, 'missing_param', 'Fill in {{2}}.', 'params.2'))).toEqual({ text: 'Fill in {{2}}.', param: '2' });
    expect(sendProblem(new ApiError(422, 'missing_param', '', 'params.first_name'))).toEqual({ text: 'Fill in {{first_name}}.', param: 'first_name' });
  });
  it('asks for the list again when the template went or is not approved', () => {
    expect(sendProblem(new ApiError(404, 'template_not_found', 'No such template.'))).toEqual({ text: 'No such template.', reload: true });
    expect(sendProblem(new ApiError(409, 'template_not_approved', 'The template is not approved.')).reload).toBe(true);
  });
  it('says the server’s message otherwise', () => {
    expect(sendProblem(new ApiError(409, 'whatsapp_not_connected', 'This WhatsApp number is not connected.'))).toEqual({ text: 'This WhatsApp number is not connected.', reload: false });
  });
  it('asks to try again when the server failed or cannot be reached', () => {
    expect(sendProblem(new ApiError(502, 'internal', 'boom')).text).toBe('Sending the template failed. Try again.');
    expect(sendProblem(new TypeError('Failed to fetch')).text).toMatch(/cannot be reached/);
  });
});
