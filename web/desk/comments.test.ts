import { describe, expect, it } from 'vitest';
import type { Message } from '../shared/protocol';
import { parseInline, revise } from './comments';
import { insertMention, matchMentions, mentionAt, mentionsIn } from './mentions';

const msg = (seq: number, over: Partial<Message>): Message => ({
  id: `m${seq}`,
  conversation_id: 'c',
  seq,
  client_msg_id: `x${seq}`,
  kind: 'text',
  author_type: 'agent',
  body: '',
  created_at: '2026-01-01T00:00:00Z',
  ...over,
});

describe('revise', () => {
  it('applies edits and deletes to their comment and hides the events', () => {
    const history = [
      msg(1, { kind: 'comment', body: 'first', private: true }),
      msg(2, { kind: 'comment', body: 'second', private: true }),
      msg(3, { kind: 'system', private: true, meta: { event: 'comment_edited', message_id: 'm1', body: 'first, edited' } }),
      msg(4, { kind: 'system', private: true, meta: { event: 'comment_deleted', message_id: 'm2', body: '' } }),
      msg(5, { kind: 'text', body: 'hello' }),
    ];
    const { shown, revisions } = revise(history);
    expect(shown.map((m) => m.seq)).toEqual([1, 2, 5]);
    expect(revisions.get('m1')).toEqual({ body: 'first, edited', edited: true, deleted: false });
    expect(revisions.get('m2')).toEqual({ body: '', edited: true, deleted: true });
  });

  it('reads a comment already revised on the server', () => {
    const { revisions } = revise([msg(1, { kind: 'comment', body: '', meta: { deleted: true, edited_at: 1 } })]);
    expect(revisions.get('m1')?.deleted).toBe(true);
  });
});

describe('parseInline', () => {
  it('reads bold, italics, code, links and mentions', () => {
    expect(parseInline('**refund** for *order* `A-1` see [docs](https://x.example/a) @Ana Lima', ['Ana Lima'])).toEqual([
      { t: 'b', c: [{ t: 'text', s: 'refund' }] },
      { t: 'text', s: ' for ' },
      { t: 'i', c: [{ t: 'text', s: 'order' }] },
      { t: 'text', s: ' ' },
      { t: 'code', s: 'A-1' },
      { t: 'text', s: ' see ' },
      { t: 'a', href: 'https://x.example/a', s: 'docs' },
      { t: 'text', s: ' ' },
      { t: 'mention', s: '@Ana Lima' },
    ]);
  });

  it('links bare http(s) URLs without trailing punctuation', () => {
    expect(parseInline('at https://shop.example/orders/7.')).toEqual([
      { t: 'text', s: 'at ' },
      { t: 'a', href: 'https://shop.example/orders/7', s: 'https://shop.example/orders/7' },
      { t: 'text', s: '.' },
    ]);
  });

  it('never makes a link of another scheme, and keeps HTML as text', () => {
    expect(parseInline('[x](javascript:alert(1)) <b>hi</b>')).toEqual([{ t: 'text', s: '[x](javascript:alert(1)) <b>hi</b>' }]);
  });

  it('marks only the names mentioned', () => {
    expect(parseInline('@Bea and @Cy', ['Bea'])).toEqual([
      { t: 'mention', s: '@Bea' },
      { t: 'text', s: ' and @Cy' },
    ]);
  });

  it('leaves an e-mail address and a lone star alone', () => {
    expect(parseInline('mail ana@shop.example, 2 * 3')).toEqual([{ t: 'text', s: 'mail ana@shop.example, 2 * 3' }]);
  });
});

describe('mentions in the composer', () => {
  const agents = [
    { id: 'a', name: 'Ana Lima' },
    { id: 'b', name: 'Bea' },
    { id: 'supervisors', name: 'supervisors' },
  ];

  it('finds the @query before the caret', () => {
    expect(mentionAt('hi @An', 6)).toEqual({ start: 3, query: 'An' });
    expect(mentionAt('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionAt('mail ana@shop', 13)).toBeNull();
    expect(mentionAt('hi @An and more', 15)).toBeNull();
  });

  it('matches any word of a name', () => {
    expect(matchMentions(agents, 'li').map((a) => a.id)).toEqual(['a']);
    expect(matchMentions(agents, 'sup').map((a) => a.id)).toEqual(['supervisors']);
    expect(matchMentions(agents, '').length).toBe(3);
  });

  it('inserts the name and keeps only mentions still in the text', () => {
    const r = insertMention('hi @An', 3, 6, 'Ana Lima');
    expect(r).toEqual({ text: 'hi @Ana Lima ', caret: 13 });
    expect(mentionsIn(`${r.text}can you check?`, agents)).toEqual(['a']);
    expect(mentionsIn('nobody here', agents)).toEqual([]);
  });
});
