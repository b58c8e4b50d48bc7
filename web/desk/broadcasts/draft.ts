// The broadcast editor's form, as pure functions: a broadcast as the form
// holds it (a Draft: strings as typed, times as the workspace's wall
// clock), the Input the API takes from it, the checks made before asking
// the server, which buttons a status offers, and how the list follows the
// socket's frames.
import type { Audience, BroadcastFrequency, BroadcastKind, BroadcastStatus } from '../../shared/protocol';
import type { Broadcast, BroadcastInput, Placement } from './api';
import { toInstant, toLocal } from './zone';

/** The API's limits (docs/api.md, Broadcasts), in characters. */
export const MAX_NAME = 100;
export const MAX_TEXT = 1000;
export const MAX_LABEL = 40;

export interface Draft {
  name: string;
  kind: BroadcastKind;
  placement: Placement;
  text: string;
  /** Whether the banner has a button; its label and address are kept while off, so a slip loses nothing. */
  button: boolean;
  label: string;
  url: string;
  /** A message's sender (an agent id). */
  sender: string;
  sites: string[];
  pages: Audience['pages'];
  visitors: Audience['visitors'];
  identity: Audience['identity'];
  fields: Audience['fields'];
  /** The languages as typed ("en, de"). */
  languages: string;
  frequency: BroadcastFrequency;
  /** datetime-local values in the workspace's zone ('': none). */
  starts: string;
  ends: string;
}

/** The form for a broadcast (null: a new one, from me). */
export function draftOf(b: Broadcast | null, zone: string, me: string): Draft {
  const a = b?.audience;
  return {
    name: b?.name ?? '',
    kind: b?.kind ?? 'banner',
    placement: b?.placement ?? 'top',
    text: b?.text ?? '',
    button: !!b?.button,
    label: b?.button?.label ?? '',
    url: b?.button?.url ?? '',
    sender: b?.sender_id || b?.created_by || me,
    sites: a?.site_ids ?? [],
    pages: a?.pages ?? [],
    visitors: a?.visitors ?? 'all',
    identity: a?.identity ?? 'all',
    fields: a?.fields ?? [],
    languages: (a?.languages ?? []).join(', '),
    frequency: b?.frequency ?? 'once',
    starts: toLocal(b?.starts_at, zone),
    ends: toLocal(b?.ends_at, zone),
  };
}

/** The languages typed, as primary subtags ("en-GB, DE" → en, de), each once. */
export function languagesOf(text: string): string[] {
  const out: string[] = [];
  for (const w of text.toLowerCase().split(/[\s,;]+/)) {
    const l = w.split(/[-_]/)[0];
    if (l && !out.includes(l)) out.push(l);
  }
  return out;
}

/** A page rule as "Add a page" makes it: blank, and "contains". */
export const NEW_PAGE: Audience['pages'][number] = { match: 'contains', value: '' };

/** The audience a draft sets; a page rule without a value and a field rule without a key are no rules. */
export function audienceOf(d: Draft): Audience {
  return {
    site_ids: d.sites,
    pages: d.pages.map((p) => ({ match: p.match, value: p.value.trim() })).filter((p) => p.value),
    visitors: d.visitors,
    identity: d.identity,
    fields: d.fields.map((f) => ({ key: f.key.trim(), value: f.value.trim() })).filter((f) => f.key),
    languages: languagesOf(d.languages),
  };
}

/** What the API takes: a banner's placement and button, or a message's sender, never both. */
export function inputOf(d: Draft, zone: string): BroadcastInput {
  const banner = d.kind === 'banner';
  return {
    name: d.name.trim(),
    kind: d.kind,
    ...(banner ? { placement: d.placement } : { sender_id: d.sender }),
    text: d.text.trim(),
    // null clears a button a message or a banner no longer has.
    button: banner && d.button ? { label: d.label.trim(), url: d.url.trim() } : null,
    audience: audienceOf(d),
    frequency: d.frequency,
    starts_at: toInstant(d.starts, zone) || null,
    ends_at: toInstant(d.ends, zone) || null,
  };
}

/** Whether two drafts save the same broadcast (the unsaved-changes test). */
export const same = (a: Draft, b: Draft, zone: string) => JSON.stringify(inputOf(a, zone)) === JSON.stringify(inputOf(b, zone));

const httpURL = (s: string) => {
  try {
    return /^https?:$/.test(new URL(s).protocol);
  } catch {
    return false;
  }
};

// A rule half filled in is a mistake on its row (audienceOf would leave it
// out, and the broadcast would reach more visitors than meant): a value with
// no field to compare it with, or a page rule whose "how it matches" was
// changed but whose address is blank. A row left as added (contains,
// nothing typed) is no rule and goes unsaid.
export const fieldRuleError = (f: Audience['fields'][number]) => (!f.key.trim() && f.value.trim() ? 'Name the field this value is for, or remove the rule.' : '');
export const pageRuleError = (p: Audience['pages'][number]) => (!p.value.trim() && p.match !== NEW_PAGE.match ? 'Enter an address or a path, or remove the rule.' : '');

/** The form's mistakes by field (keys as the API names them; a rule's row: audience.pages[i], audience.fields[i]), before the server is asked; {} when none. */
export function check(d: Draft, zone: string): Record<string, string> {
  const e: Record<string, string> = {};
  const name = d.name.trim();
  const text = d.text.trim();
  if (!name) e.name = 'Give it a name: only agents see it.';
  else if (name.length > MAX_NAME) e.name = `At most ${MAX_NAME} characters.`;
  if (!text) e.text = 'Write what visitors see.';
  else if (text.length > MAX_TEXT) e.text = `At most ${MAX_TEXT} characters.`;
  if (d.kind === 'banner' && d.button) {
    const label = d.label.trim();
    if (!label) e['button.label'] = 'Name the button.';
    else if (label.length > MAX_LABEL) e['button.label'] = `At most ${MAX_LABEL} characters.`;
    if (!httpURL(d.url.trim())) e['button.url'] = 'An address starting with https:// or http://.';
  }
  d.fields.forEach((f, i) => {
    const m = fieldRuleError(f);
    if (m) e[`audience.fields[${i}]`] = m;
  });
  d.pages.forEach((p, i) => {
    const m = pageRuleError(p);
    if (m) e[`audience.pages[${i}]`] = m;
  });
  if (languagesOf(d.languages).some((l) => !/^[a-z]{2,3}$/.test(l))) e['audience.languages'] = 'Language codes such as en or de, separated by commas.';
  const start = toInstant(d.starts, zone);
  const end = toInstant(d.ends, zone);
  if (start && end && Date.parse(end) <= Date.parse(start)) e.ends_at = 'The end must come after the start.';
  return e;
}

/** The fields the editor shows an error beside; others are the form's. */
const FIELDS = ['name', 'kind', 'placement', 'text', 'button.label', 'button.url', 'sender_id', 'frequency', 'starts_at', 'ends_at', 'audience.site_ids', 'audience.pages', 'audience.visitors', 'audience.identity', 'audience.fields', 'audience.languages'];

/**
 * fieldKey is where an API error's field ("audience.pages[2].value",
 * "button") is shown: a rule's row (audience.pages[2]), one of FIELDS,
 * 'audience' for the rest of the audience, or '' for the form as a whole.
 */
export function fieldKey(field: string): string {
  // A rule's own mistake shows beside its row.
  const row = /^audience\.(pages|fields)\[(\d+)\]/.exec(field);
  if (row) return `audience.${row[1]}[${row[2]}]`;
  const parts = field.split(/[.[\]]+/).filter((p) => p && !/^\d+$/.test(p));
  const two = parts.slice(0, 2).join('.');
  if (FIELDS.includes(two)) return two;
  if (parts[0] === 'button') return 'button.url';
  if (parts[0] === 'audience') return 'audience';
  return FIELDS.includes(parts[0] ?? '') ? parts[0] : '';
}

/** The buttons a broadcast's status offers ('new': not saved yet); future: its start lies ahead. */
export interface Actions {
  save: boolean;
  /** The label of the button that puts it live ('': none). */
  activate: '' | 'Activate' | 'Schedule' | 'Resume';
  pause: boolean;
  end: boolean;
  remove: boolean;
}

export function actions(status: BroadcastStatus | 'new', future: boolean): Actions {
  const ended = status === 'ended';
  const running = status === 'active' || status === 'scheduled';
  return {
    save: !ended, // an ended broadcast is final: the server refuses edits
    activate: ended || running ? '' : future ? 'Schedule' : status === 'paused' ? 'Resume' : 'Activate',
    pause: running,
    end: running || status === 'paused', // a draft is deleted, not ended
    remove: status !== 'new',
  };
}

/**
 * Whether b is a newer version of the broadcast than held: 1 newer, 0 the
 * same, -1 older (or unreadable). A frame or a read may arrive after a
 * later change was already shown (a poll overtaken by a save, a frame
 * delayed): only a newer one may replace what is held. updated_at has a
 * variable number of fractional digits ("…05.1Z" after "…05.09Z"), so it is
 * compared as an instant, never as a string.
 */
export function versionOf(b: Broadcast, held: Broadcast): -1 | 0 | 1 {
  const t = Date.parse(b.updated_at);
  const h = Date.parse(held.updated_at);
  if (Number.isNaN(t)) return -1;
  if (Number.isNaN(h)) return 1;
  return t > h ? 1 : t < h ? -1 : 0;
}

/** A broadcast from the socket (which carries no counts) with the counts known before. */
export const withStats = (b: Broadcast, before: Broadcast | null | undefined): Broadcast => (b.stats || !before?.stats ? b : { ...b, stats: before.stats });

/**
 * upsert puts a changed broadcast into a list shown for a status ('': any):
 * in its place, newest first, or out of the list when it no longer has
 * that status. A version older than the one listed (a frame overtaken by
 * a reload) changes nothing.
 */
export function upsert(list: readonly Broadcast[], b: Broadcast, status: BroadcastStatus | ''): Broadcast[] {
  const held = list.find((x) => x.id === b.id);
  if (held && versionOf(b, held) < 0) return [...list];
  const rest = list.filter((x) => x.id !== b.id);
  if (status && b.status !== status) return rest;
  return [...rest, withStats(b, held)].sort((x, y) => Date.parse(y.created_at) - Date.parse(x.created_at) || (x.id < y.id ? 1 : -1));
}
