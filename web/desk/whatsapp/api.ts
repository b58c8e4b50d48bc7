// WhatsApp's REST calls (docs/api.md, WhatsApp): a conversation's channel
// state and template sends (the composer), and the numbers connected to
// the workspace with their templates (Settings → WhatsApp).
import type { Message, WhatsAppState } from '../../shared/protocol';
import { call } from '../api';

export type { WhatsAppState, WhatsAppStatus } from '../../shared/protocol';

/**
 * A message template as Meta approved it (or not): the only thing a number
 * may send once the customer's 24-hour window has closed.
 */
export interface WhatsAppTemplate {
  id: string;
  name: string;
  /** Meta's language code, e.g. en_US. */
  language: string;
  /** MARKETING, UTILITY or AUTHENTICATION. */
  category: string;
  /** APPROVED, PENDING, REJECTED, PAUSED, …: only APPROVED is sent. */
  status: string;
  header?: string;
  /** With its variables written {{1}} or {{name}}. */
  body: string;
  footer?: string;
  /** The variables' names in order, e.g. ["1", "2"] or ["first_name"]. */
  params: string[] | null;
  /** An example value of each variable, in params' order (Meta's, from the template's review). */
  examples?: string[] | null;
}

/** A WhatsApp Business number connected to the workspace; its id is its site's. */
export interface WhatsAppChannel {
  id: string;
  site_id: string;
  name: string;
  phone_number_id: string;
  business_account_id: string;
  display_phone_number: string;
  /** The absolute URL to paste into the Meta app's webhook settings. */
  webhook_url: string;
  /** token_invalid: Meta refused the access token (last_error says how). */
  status: 'connected' | 'token_invalid';
  last_error?: string;
  templates_synced_at: string | null;
  created_at: string;
  updated_at: string;
}

/** What a number is connected with or changed to. The secrets are write-only: absent keeps the current one. */
export interface ChannelInput {
  name?: string;
  display_phone_number?: string;
  phone_number_id?: string;
  business_account_id?: string;
  access_token?: string;
  app_secret?: string;
  /** Made by the server when absent on connect. */
  verify_token?: string;
}

const conversation = (id: string) => `/conversations/${encodeURIComponent(id)}/whatsapp`;
/** A WhatsApp conversation's number, 24-hour window and latest delivery states. */
export const getState = (conversationId: string) => call<{ whatsapp: WhatsAppState }>('GET', conversation(conversationId)).then((r) => r.whatsapp);
/** Sends an approved template with its variables' values; client_msg_id makes a retry store it once. */
export const sendTemplate = (conversationId: string, body: { client_msg_id: string; template_id: string; params: Record<string, string> }) =>
  call<{ message: Message }>('POST', `${conversation(conversationId)}/template`, body).then((r) => r.message);

const channel = (id: string) => `/whatsapp/channels/${encodeURIComponent(id)}`;
/** Every number of the workspace (owners and admins). */
export const listChannels = () => call<{ items: WhatsAppChannel[] | null }>('GET', '/whatsapp/channels').then((r) => r.items ?? []);
/** Connects a number (its site is made with it); the verify token is returned this once. */
export const createChannel = (in_: ChannelInput) => call<{ channel: WhatsAppChannel; verify_token: string }>('POST', '/whatsapp/channels', in_);
export const updateChannel = (id: string, in_: ChannelInput) => call<{ channel: WhatsAppChannel }>('PATCH', channel(id), in_).then((r) => r.channel);
/** Disconnects a number: its site and conversations stay. */
export const deleteChannel = (id: string) => call<void>('DELETE', channel(id));
/** A number's templates as last synced (siteId: the channel's id). */
export const listTemplates = (siteId: string) => call<{ items: WhatsAppTemplate[] | null }>('GET', `${channel(siteId)}/templates`).then((r) => r.items ?? []);
/** Reads the number's templates from Meta again, and returns them. */
export const syncTemplates = (id: string) => call<{ items: WhatsAppTemplate[] | null }>('POST', `${channel(id)}/templates/sync`).then((r) => r.items ?? []);
