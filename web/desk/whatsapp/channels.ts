// Settings → WhatsApp's rules (docs/api.md, WhatsApp): what a number's
// form must hold, what an edit sends, and how templates and a sync are
// told. Free of the DOM, so tested on their own.
import { MAX_NAME } from '../admin/api';
import type { ChannelInput, WhatsAppChannel, WhatsAppTemplate } from './api';

/** A number's form as typed: every field a string, the secrets empty unless (re)placed. */
export interface ChannelForm {
  name: string;
  display_phone_number: string;
  phone_number_id: string;
  business_account_id: string;
  access_token: string;
  app_secret: string;
  verify_token: string;
}

export type ChannelField = keyof ChannelForm;

export const EMPTY_FORM: ChannelForm = {
  name: '',
  display_phone_number: '',
  phone_number_id: '',
  business_account_id: '',
  access_token: '',
  app_secret: '',
  verify_token: '',
};

/** The form of a number already connected: its secrets are never read back (write-only). */
export function formOf(ch: WhatsAppChannel): ChannelForm {
  return { ...EMPTY_FORM, name: ch.name, display_phone_number: ch.display_phone_number, phone_number_id: ch.phone_number_id, business_account_id: ch.business_account_id };
}

const bytes = (s: string) => new TextEncoder().encode(s).length;

/**
 * problems lists what is wrong with a number's form, by field, in the
 * form's order. On connect (fresh) the IDs and both secrets are needed;
 * on an edit an empty secret keeps the current one. The verify token is
 * never needed: the server makes one.
 */
export function problems(f: ChannelForm, fresh: boolean): Partial<Record<ChannelField, string>> {
  const out: Partial<Record<ChannelField, string>> = {};
  const name = f.name.trim();
  if (!name) out.name = 'Give the number a name, e.g. Support (WhatsApp): agents see it as the chat’s site.';
  else if (bytes(name) > MAX_NAME) out.name = `The name is at most ${MAX_NAME} characters.`;
  if (!f.display_phone_number.trim()) out.display_phone_number = 'Enter the number as customers see it, e.g. +49 30 1234567.';
  if (fresh) {
    const id = f.phone_number_id.trim();
    if (!id) out.phone_number_id = 'Enter the phone number ID from Meta’s API Setup page.';
    else if (!/^\d+$/.test(id)) out.phone_number_id = 'The phone number ID is digits only (it is not the phone number).';
  }
  const account = f.business_account_id.trim();
  if (!account) out.business_account_id = 'Enter the WhatsApp Business Account ID from Meta’s API Setup page.';
  else if (!/^\d+$/.test(account)) out.business_account_id = 'The WhatsApp Business Account ID is digits only.';
  if (fresh && !f.access_token.trim()) out.access_token = 'Enter the access token Live Desk sends with each message.';
  if (fresh && !f.app_secret.trim()) out.app_secret = 'Enter the app secret: Live Desk checks each webhook request with it.';
  if (/\s/.test(f.verify_token.trim())) out.verify_token = 'The verify token has no spaces.';
  return out;
}

/** What a new number is connected with: every field trimmed, an empty verify token left to the server. */
export function createInput(f: ChannelForm): ChannelInput {
  const in_: ChannelInput = {
    name: f.name.trim(),
    display_phone_number: f.display_phone_number.trim(),
    phone_number_id: f.phone_number_id.trim(),
    business_account_id: f.business_account_id.trim(),
    access_token: f.access_token.trim(),
    app_secret: f.app_secret.trim(),
  };
  if (f.verify_token.trim()) in_.verify_token = f.verify_token.trim();
  return in_;
}

/**
 * patchOf is what an edit sends: the fields that changed, and a secret
 * only when one was typed (empty keeps the current one). Nothing changed
 * is an empty object.
 */
export function patchOf(ch: WhatsAppChannel, f: ChannelForm): ChannelInput {
  const out: ChannelInput = {};
  if (f.name.trim() !== ch.name) out.name = f.name.trim();
  if (f.display_phone_number.trim() !== ch.display_phone_number) out.display_phone_number = f.display_phone_number.trim();
  if (f.business_account_id.trim() !== ch.business_account_id) out.business_account_id = f.business_account_id.trim();
  for (const k of ['access_token', 'app_secret', 'verify_token'] as const) if (f[k].trim()) out[k] = f[k].trim();
  return out;
}

/** The field an API error names ("access_token", "params.x" → "params"), if the form has it. */
export function fieldOf(field: string): ChannelField | '' {
  const top = field.split(/[.[]/)[0];
  return top in EMPTY_FORM ? (top as ChannelField) : '';
}

/** A template's review state as the list shows it, and how it is coloured. */
export function reviewOf(status: string): { label: string; tone: 'green' | 'amber' | 'red' | '' } {
  switch (status) {
    case 'APPROVED':
      return { label: 'Approved', tone: 'green' };
    case 'PENDING':
    case 'IN_APPEAL':
      return { label: 'In review', tone: 'amber' };
    case 'REJECTED':
      return { label: 'Rejected', tone: 'red' };
    case 'PAUSED':
      return { label: 'Paused', tone: 'amber' };
    case 'DISABLED':
      return { label: 'Disabled', tone: 'red' };
    default:
      return { label: status ? status.charAt(0) + status.slice(1).toLowerCase().replace(/_/g, ' ') : 'Unknown', tone: '' };
  }
}

/** Templates as the list shows them: the approved first (what agents can send), then by name and language. */
export function listOrder(items: readonly WhatsAppTemplate[]): WhatsAppTemplate[] {
  const rank = (t: WhatsAppTemplate) => (t.status === 'APPROVED' ? 0 : 1);
  return [...items].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.language.localeCompare(b.language));
}

/** What a sync brought, in a line: "12 templates synced: 9 approved, agents can send these." */
export function syncSummary(items: readonly WhatsAppTemplate[]): string {
  if (items.length === 0) return 'Synced: the number has no templates yet. Make them in Meta’s WhatsApp Manager, then sync again.';
  const approved = items.filter((t) => t.status === 'APPROVED').length;
  const all = `${items.length} template${items.length === 1 ? '' : 's'} synced`;
  if (approved === items.length) return `${all}, all approved: agents can send ${items.length === 1 ? 'it' : 'them'}.`;
  if (approved === 0) return `${all}, none approved yet: agents can send a template once Meta approves it.`;
  return `${all}: ${approved} approved, which agents can send.`;
}
