import { describe, expect, it } from 'vitest';
import type { Message, SiteLook } from '../shared/protocol';
import { t } from './i18n';
import { eventLine, replyText } from './lines';

const msg = (over: Partial<Message>): Message =>
  ({ id: 'm', conversation_id: 'c', seq: 1, client_msg_id: 'x', kind: 'system', author_type: 'system', body: '', created_at: '', ...over }) as Message;
const de = (key: Parameters<typeof t>[1], vars?: Record<string, string>) => t('de', key, null, vars);
const names = { agent_names: true } as SiteLook;
const team = { agent_names: false, team_name: 'Shop-Team' } as SiteLook;

describe('eventLine', () => {
  it("words the server's events in the visitor's language", () => {
    expect(eventLine(msg({ body: 'Ann picked up the conversation', meta: { event: 'assigned', agent_name: 'Ann' } }), names, 'Shop', de)).toBe(
      'Ann ist dem Gespräch beigetreten',
    );
    expect(eventLine(msg({ body: 'No reply in time: reassigned to Bo', meta: { event: 'assigned', agent_name: 'Bo', reason: 'reply_timeout' } }), team, 'Shop', de)).toBe(
      'Shop-Team ist dem Gespräch beigetreten',
    );
    expect(eventLine(msg({ body: 'Ann closed the conversation', author_type: 'agent', author_name: 'Ann', meta: { event: 'status', status: 'closed' } }), names, 'Shop', de)).toBe(
      'Ann hat das Gespräch beendet',
    );
    expect(eventLine(msg({ body: 'Closed for inactivity', meta: { event: 'status', status: 'closed', by: 'system' } }), names, 'Shop', de)).toBe('Das Gespräch wurde beendet');
    expect(eventLine(msg({ body: 'The visitor ended the conversation', meta: { event: 'status', status: 'closed', by: 'visitor' } }), names, 'Shop', de)).toBe(
      'Sie haben das Gespräch beendet',
    );
  });

  it('reads an event it does not know as the server wrote it', () => {
    expect(eventLine(msg({ body: 'Something new', meta: { event: 'novel' } }), names, 'Shop', de)).toBe('Something new');
  });
});

describe('replyText', () => {
  const reply = (meta: Record<string, unknown>) => msg({ kind: 'text', body: 'We are closed until Monday.', meta });
  it("shows the server's replies in the visitor's language", () => {
    expect(replyText(reply({ event: 'offhours', text: 'question' }), de, null)).toContain('JA oder NEIN');
    expect(replyText(reply({ event: 'ticket_notice' }), de, null)).toMatch(/^Gerade sind alle/);
  });
  it("keeps the site's own words, unless the site wrote them for this language too", () => {
    expect(replyText(reply({ event: 'offhours', text: 'closed', custom: true }), de, null)).toBe('We are closed until Monday.');
    expect(replyText(reply({ event: 'offhours', text: 'closed', custom: true }), (k) => t('de', k, { offhours_closed: 'Bis Montag geschlossen.' }), {
      offhours_closed: 'Bis Montag geschlossen.',
    })).toBe('Bis Montag geschlossen.');
  });
  it('leaves any other message as it is', () => {
    expect(replyText(msg({ kind: 'text', author_type: 'agent', body: 'Hi' }), de, null)).toBe('Hi');
  });
});
