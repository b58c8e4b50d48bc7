import { useEffect, useRef } from 'preact/hooks';
import { shortTime } from '../shared/format';
import { agentLabel, systemText } from '../shared/look';
import { RECEIPT_LABEL, receipt } from '../shared/receipts';
import type { WidgetStore } from './store';

/** The conversation: stored messages, then what is still on its way. */
export function Messages({ store }: { store: WidgetStore }) {
  const list = useRef<HTMLOListElement>(null);
  const messages = store.messages.value;
  const outgoing = store.outgoing.value;
  const drafts = store.drafts.value;
  const count = messages.length + outgoing.length + drafts.length;
  const look = store.look.value;
  const greeting = look?.greeting;

  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count, store.agentTyping.value]);

  return (
    <ol class="messages" ref={list} aria-live="polite" aria-label="Messages">
      {count === 0 && (
        <li class="empty">
          {greeting ? (
            <span class="greeting">{greeting}</span>
          ) : (
            <>
              <strong>Hi there 👋</strong>
              <span>Ask us anything. We usually answer within a few minutes.</span>
            </>
          )}
        </li>
      )}
      {messages.map((m, i) => {
        // A private event (an agent's note): counted for seq, never shown.
        if (m.kind === 'hidden') return null;
        if (m.kind === 'system') {
          return (
            <li key={m.seq} class="system" data-seq={m.seq}>
              {systemText(look, store.siteName.value, m)}
            </li>
          );
        }
        const mine = m.author_type === 'visitor';
        // The author line heads each run of one side's messages; a system
        // line between them (an agent's event has author_type agent) ends the run.
        const prev = messages[i - 1];
        const first = !prev || prev.kind === 'system' || prev.author_type !== m.author_type;
        return (
          <li key={m.seq} class={mine ? 'msg mine' : 'msg theirs'} data-seq={m.seq}>
            {!mine && first && <span class="author">{agentLabel(look, store.siteName.value, m.author_name)}</span>}
            <p class="bubble">{m.body}</p>
            <span class="meta">
              {shortTime(m.created_at)}
              {mine && <span class="state"> · {RECEIPT_LABEL[receipt(m.seq, store.agentDelivered.value, store.agentSeen.value)]}</span>}
            </span>
          </li>
        );
      })}
      {outgoing.map((o) => (
        <li key={o.client_msg_id} class={o.state === 'failed' ? 'msg mine failed' : 'msg mine pending'}>
          <p class="bubble">{o.text}</p>
          <span class="meta">
            {o.state === 'failed' ? (
              <>
                Not sent{' '}
                <button type="button" class="link" onClick={() => store.retry(o.client_msg_id)}>
                  Retry
                </button>
              </>
            ) : (
              'Sending…'
            )}
          </span>
        </li>
      ))}
      {drafts.map((d) => (
        <li key={d.id} class="msg mine pending">
          <p class="bubble">{d.text}</p>
          <span class="meta">Sending…</span>
        </li>
      ))}
    </ol>
  );
}
