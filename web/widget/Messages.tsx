import { useEffect, useRef } from 'preact/hooks';
import { shortTime } from '../shared/format';
import type { WidgetStore } from './store';

/** The conversation: stored messages, then what is still on its way. */
export function Messages({ store }: { store: WidgetStore }) {
  const list = useRef<HTMLOListElement>(null);
  const messages = store.messages.value;
  const outgoing = store.outgoing.value;
  const drafts = store.drafts.value;
  const count = messages.length + outgoing.length + drafts.length;

  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count, store.agentTyping.value]);

  return (
    <ol class="messages" ref={list} aria-live="polite" aria-label="Messages">
      {count === 0 && (
        <li class="empty">
          <strong>Hi there 👋</strong>
          <span>Ask us anything. We usually answer within a few minutes.</span>
        </li>
      )}
      {messages.map((m, i) => {
        // A private event (an agent's note): counted for seq, never shown.
        if (m.kind === 'hidden') return null;
        if (m.kind === 'system') {
          return (
            <li key={m.seq} class="system" data-seq={m.seq}>
              {m.body}
            </li>
          );
        }
        const mine = m.author_type === 'visitor';
        const first = i === 0 || messages[i - 1].author_type !== m.author_type;
        return (
          <li key={m.seq} class={mine ? 'msg mine' : 'msg theirs'} data-seq={m.seq}>
            {!mine && first && <span class="author">{m.author_name || 'Agent'}</span>}
            <p class="bubble">{m.body}</p>
            <span class="meta">
              {shortTime(m.created_at)}
              {mine && <span class="state"> · {m.seq <= store.agentSeen.value ? 'Seen' : 'Sent'}</span>}
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
