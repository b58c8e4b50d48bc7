// What the server writes into a conversation for the visitor, in the
// visitor's language. The conversation keeps the server's English words
// (the desk reads them); each such message's meta says what it is, and
// the widget words it from its catalogue (i18n.ts), or from the site's
// own wording.
import { agentLabel, systemText } from '../shared/look';
import type { Message, SiteLook } from '../shared/protocol';
import type { TextKey } from './i18n';

/** A text of the catalogue in the visitor's language (WidgetStore.text). */
type Tx = (key: TextKey, vars?: Record<string, string>) => string;

/**
 * eventLine is a system event as a visitor reads it: an agent joined or
 * left, the chat was closed or reopened. An event the widget does not
 * know reads as the server wrote it (with the team's name when the site
 * shows no agent names).
 */
export function eventLine(m: Message, look: SiteLook | null | undefined, siteName: string, tx: Tx): string {
  const meta = m.meta ?? {};
  const who = (n: unknown) => ({ name: agentLabel(look, siteName, typeof n === 'string' ? n : '') });
  switch (meta.event) {
    case 'assigned':
      return tx('ev_joined', who(meta.agent_name));
    case 'unassigned':
      return tx('ev_left', who(meta.agent_name));
    case 'status':
      if (meta.status === 'open') return tx('ev_reopened', who(m.author_name));
      if (meta.status !== 'closed') break;
      if (meta.by === 'visitor') return tx('ev_ended_you');
      // An agent's close is the agent's event (no "by"); the system's says so.
      return meta.by !== 'system' && m.author_type === 'agent' ? tx('ev_closed', who(m.author_name)) : tx('ev_ended');
  }
  return systemText(look, siteName, m);
}

const REPLIES: Record<string, TextKey> = {
  closed: 'offhours_closed',
  question: 'offhours_question',
  accepted: 'offhours_accepted',
  declined: 'offhours_declined',
  thanks: 'offhours_thanks',
};

/**
 * replyText is the text of a message the server wrote to the visitor (an
 * out-of-hours reply, the notice that a chat became a ticket): the
 * site's wording for the visitor's language when it has one, else the
 * site's own words as written (meta.custom: its hours' texts), else the
 * catalogue's. Any other message is its body.
 */
export function replyText(m: Message, tx: Tx, own: Partial<Record<TextKey, string>> | null | undefined): string {
  const meta = m.meta ?? {};
  const key = meta.event === 'ticket_notice' ? 'ticket_notice' : meta.event === 'offhours' ? REPLIES[String(meta.text)] : undefined;
  if (!key || (meta.custom && !own?.[key])) return m.body;
  return tx(key);
}
