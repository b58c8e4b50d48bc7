import { useEffect, useRef, useState } from 'preact/hooks';
import { fileOf, fileSize, isImage } from '../shared/files';
import { shortTime } from '../shared/format';
import type { FileMeta } from '../shared/protocol';
import { agentLabel, teamLabel } from '../shared/look';
import { receipt } from '../shared/receipts';
import { PanelMessage } from './Broadcasts';
import { eventLine, replyText } from './lines';
import type { WidgetStore } from './store';

/** The conversation: stored messages, then what is still on its way. */
export function Messages({ store }: { store: WidgetStore }) {
  const list = useRef<HTMLOListElement>(null);
  const messages = store.messages.value;
  const outgoing = store.outgoing.value;
  const drafts = store.drafts.value;
  const count = messages.length + outgoing.length + drafts.length;
  const look = store.look.value;
  // The site's own greeting replaces the widget's title and text; a title
  // the site wrote itself for this language still heads it.
  const own = look?.texts?.[store.lang.value];
  const greeting = own?.greeting || look?.greeting;
  const tx = (key: Parameters<WidgetStore['text']>[0], vars?: Record<string, string>) => store.text(key, vars);

  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count, store.agentTyping.value]);

  return (
    <ol class="messages" ref={list} aria-label={store.text('messages_label')}>
      {count === 0 && (
        <li class="empty">
          {greeting ? (
            <>
              {own?.greeting_title && <strong>{own.greeting_title}</strong>}
              <span class="greeting">{greeting}</span>
            </>
          ) : (
            <>
              <strong>{store.text('greeting_title')}</strong>
              <span>{store.text('greeting')}</span>
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
              {eventLine(m, look, store.siteName.value, tx)}
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
            {!mine && first && (
              <span class="author">
                {m.author_type === 'system' ? teamLabel(look, store.siteName.value) : agentLabel(look, store.siteName.value, m.author_name)}
              </span>
            )}
            {m.kind === 'file' ? (
              <Attachment store={store} file={fileOf(m)} />
            ) : (
              <p class="bubble">{m.author_type === 'system' ? replyText(m, tx, own) : m.body}</p>
            )}
            <span class="meta">
              {shortTime(m.created_at)}
              {mine && <span class="state"> · {store.text(receipt(m.seq, store.agentDelivered.value, store.agentSeen.value))}</span>}
            </span>
          </li>
        );
      })}
      {outgoing.map((o) => (
        <li key={o.client_msg_id} class={o.state === 'failed' ? 'msg mine failed' : 'msg mine pending'}>
          <p class="bubble">
            {o.file ? <span class="file-name">{o.text}</span> : o.text}
            {o.file && o.state === 'sending' && <progress max={1} value={o.progress ?? 0} aria-label={store.text('uploading')} />}
          </p>
          <span class="meta">
            {o.state === 'failed' && o.file ? (
              <>
                {store.text('file_refused', { name: o.text })}{' '}
                <button type="button" class="link" onClick={() => store.discard(o.client_msg_id)}>
                  {store.text('remove')}
                </button>
              </>
            ) : o.state === 'failed' ? (
              <>
                {store.text('not_sent')}{' '}
                <button type="button" class="link" onClick={() => store.retry(o.client_msg_id)}>
                  {store.text('retry')}
                </button>
              </>
            ) : (
              store.text(o.file ? 'uploading' : 'sending')
            )}
          </span>
        </li>
      ))}
      <PanelMessage store={store} />
      {drafts.map((d) => (
        <li key={d.id} class="msg mine pending">
          <p class="bubble">{d.text}</p>
          <span class="meta">{store.text('sending')}</span>
        </li>
      ))}
    </ol>
  );
}

/**
 * A file in the conversation: an image shown from the bytes fetched with
 * the visitor's token (the server asks for it; an <img> cannot send it),
 * anything else a card that downloads it.
 */
function Attachment({ store, file }: { store: WidgetStore; file: FileMeta | null }) {
  const [url, setUrl] = useState('');
  const image = !!file && isImage(file);
  useEffect(() => {
    if (!file || !image) return;
    let u = '';
    let gone = false;
    store
      .fetchFile(file.id)
      .then((b) => {
        if (!gone) setUrl((u = URL.createObjectURL(b)));
      })
      .catch(() => undefined);
    return () => {
      gone = true;
      if (u) URL.revokeObjectURL(u);
    };
  }, [file?.id]);
  if (!file) return null;
  const download = () =>
    store
      .fetchFile(file.id)
      .then((b) => {
        const a = document.createElement('a');
        a.href = URL.createObjectURL(b);
        a.download = file.name;
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      })
      .catch(() => undefined);
  if (image) {
    return (
      <button type="button" class="bubble image" onClick={download} title={file.name}>
        <img src={url || undefined} alt={file.name} width={file.width} height={file.height} />
      </button>
    );
  }
  return (
    <button type="button" class="bubble file" onClick={download}>
      <span class="file-name">{file.name}</span>
      <span class="file-size">{fileSize(file.size)}</span>
    </button>
  );
}
