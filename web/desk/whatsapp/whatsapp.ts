// The rules of a WhatsApp chat as the desk shows it (docs/api.md,
// WhatsApp): the customer's 24-hour window, a template's variables filled
// in and previewed, what a delivery state adds under a message, and what
// a refused template send says. Free of the DOM, so tested on their own.
import { ApiError } from '../api';
import type { WhatsAppStatus, WhatsAppTemplate } from './api';

const MINUTE = 60_000;

/**
 * windowLeft is how long the customer's 24-hour window stays open, in ms:
 * 0 once it has closed, or when there is none (null: no message from the
 * customer in the last 24 hours, or ever).
 */
export function windowLeft(expiresAt: string | null | undefined, now: number): number {
  const t = expiresAt ? Date.parse(expiresAt) : NaN;
  return Number.isNaN(t) ? 0 : Math.max(0, t - now);
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * leftText is a time left, rounded down to the minute (the window is
 * never shown longer than it is): short for the line ("3 h 12 min",
 * "42 min", "< 1 min") and long for a screen reader ("3 hours 12 minutes").
 */
export function leftText(ms: number): { short: string; long: string } {
  const all = Math.floor(Math.max(0, ms) / MINUTE);
  if (all < 1) return { short: '< 1 min', long: 'less than a minute' };
  const h = Math.floor(all / 60);
  const m = all % 60;
  if (h === 0) return { short: `${m} min`, long: plural(m, 'minute') };
  if (m === 0) return { short: `${h} h`, long: plural(h, 'hour') };
  return { short: `${h} h ${m} min`, long: `${plural(h, 'hour')} ${plural(m, 'minute')}` };
}

/**
 * phoneText is the customer's number as people write it: WhatsApp gives
 * it as digits without its "+"; anything else (a WhatsApp user id, when
 * WhatsApp gave no number) stays as it came.
 */
export function phoneText(to: string): string {
  return /^\d{7,15}$/.test(to) ? `+${to}` : to;
}

/** A variable in a template's text: {{1}} or {{first_name}}. */
const VARIABLE = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** A piece of a template's text: as written, or a variable with its value ('' while missing). */
export type Part = string | { param: string; value: string };

/**
 * parts splits a template's text at its variables, each with its value:
 * the preview shows the values in place and marks what is left to fill.
 */
export function parts(text: string, values: Readonly<Record<string, string>>): Part[] {
  const out: Part[] = [];
  let at = 0;
  for (const m of text.matchAll(VARIABLE)) {
    if (m.index > at) out.push(text.slice(at, m.index));
    out.push({ param: m[1], value: (values[m[1]] ?? '').trim() });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/** filled is a template's text with its values in place; a variable left empty stays written out. */
export function filled(text: string, values: Readonly<Record<string, string>>): string {
  return parts(text, values)
    .map((p) => (typeof p === 'string' ? p : p.value || `{{${p.param}}}`))
    .join('');
}

/**
 * paramsOf is a template's variables in order: its params, else (an older
 * sync without them) those its texts name, each once.
 */
export function paramsOf(t: Pick<WhatsAppTemplate, 'header' | 'body' | 'footer' | 'params'>): string[] {
  if (t.params && t.params.length > 0) return t.params;
  const named = [t.header ?? '', t.body, t.footer ?? ''].flatMap((s) => [...s.matchAll(VARIABLE)].map((m) => m[1]));
  return named.filter((p, i) => named.indexOf(p) === i);
}

/** missing lists the variables still without a value: the template is not sent while one is. */
export function missing(params: readonly string[], values: Readonly<Record<string, string>>): string[] {
  return params.filter((p) => !(values[p] ?? '').trim());
}

/** What the chat knows of the customer and the agent, for prefill. */
export interface Known {
  /** The contact's name, else the one the customer gave (never a made-up "Visitor 1A2B"). */
  name?: string;
  email?: string;
  /** The customer's WhatsApp number. */
  phone?: string;
  /** The agent's own name. */
  agent?: string;
}

/**
 * prefill gives each variable a first value from the chat where its name
 * says what it is, as a quick response's {{contact.name}} would be filled
 * (quick/fill.ts): {{1}} — in most templates the greeting's name — and
 * {{name}}, {{full_name}}, {{customer_name}}, {{contact_name}} the
 * customer's name; {{first_name}} and {{last_name}} its first word and the
 * rest; {{email}}; {{phone}}, {{phone_number}} the WhatsApp number;
 * {{agent}}, {{agent_name}} the agent's. Anything else starts empty. The
 * agent sees every value in the preview and may change it.
 */
export function prefill(params: readonly string[], k: Known): Record<string, string> {
  const name = (k.name ?? '').trim();
  const [first = '', ...rest] = name.split(/\s+/);
  const by = new Map<string, string | undefined>([
    ['1', name],
    ['name', name],
    ['full_name', name],
    ['customer_name', name],
    ['contact_name', name],
    ['first_name', first],
    ['last_name', rest.join(' ')],
    ['email', k.email],
    ['phone', k.phone],
    ['phone_number', k.phone],
    ['agent', k.agent],
    ['agent_name', k.agent],
  ]);
  return Object.fromEntries(params.map((p) => [p, by.get(p.toLowerCase())?.trim() ?? '']));
}

/** The templates that may be sent (approved), by name then language. */
export function sendable(list: readonly WhatsAppTemplate[]): WhatsAppTemplate[] {
  return list.filter((t) => t.status === 'APPROVED').sort((a, b) => a.name.localeCompare(b.name) || a.language.localeCompare(b.language));
}

/**
 * statusNote is what a delivery state adds under its message: why
 * WhatsApp did not deliver it ("Not delivered on WhatsApp: Re-engagement
 * message (131047)"), or that it has not gone to WhatsApp yet. Sent,
 * delivered and read add nothing: the desk's Delivered and Seen show them.
 */
export function statusNote(s: WhatsAppStatus): { text: string; failed: boolean } | null {
  if (s.status === 'failed') {
    const why = (s.error ?? '').trim().replace(/\.$/, '');
    return { text: `Not delivered on WhatsApp${why ? `: ${why}` : ''}${s.error_code ? ` (${s.error_code})` : ''}`, failed: true };
  }
  if (s.status === 'queued') return { text: 'Not yet sent to WhatsApp', failed: false };
  return null;
}

/** The notes of a chat's messages, by seq (a later state of a seq replaces an earlier one). */
export function notesBySeq(statuses: readonly WhatsAppStatus[] | null | undefined): Map<number, { text: string; failed: boolean }> {
  const out = new Map<number, { text: string; failed: boolean }>();
  for (const s of statuses ?? []) {
    const n = statusNote(s);
    if (n) out.set(s.seq, n);
    else out.delete(s.seq);
  }
  return out;
}

/** The socket's message.send error when the window has closed: the composer turns to templates. */
export const WINDOW_CLOSED = 'whatsapp_window_closed';

/**
 * sendProblem is what a refused template send tells the agent: the
 * server's message, at the variable it names (missing_param, field
 * "params.NAME"); reload says the template list is out of date (the
 * template went, or is no longer approved).
 */
export function sendProblem(err: unknown): { text: string; param?: string; reload?: boolean } {
  if (!(err instanceof ApiError)) return { text: 'Sending the template failed: Live Desk cannot be reached. Try again.' };
  if (err.status === 0 || err.status >= 500) return { text: 'Sending the template failed. Try again.' };
  if (err.code === 'missing_param') {
    const param = err.field.replace(/^params\./, '');
    return { text: err.message || `Fill in {{${param}}}.`, param: param || undefined };
  }
  return { text: err.message, reload: err.code === 'template_not_found' || err.code === 'template_not_approved' };
}
