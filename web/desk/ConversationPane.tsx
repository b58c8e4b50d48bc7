import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { AttachIcon } from '../shared/AttachIcon';
import { ThumbIcon } from '../shared/ThumbIcon';
import { Composer, dropTarget } from '../shared/Composer';
import { fileOf, fileSize, isImage } from '../shared/files';
import { TypingLine } from '../shared/TypingLine';
import { shortTime } from '../shared/format';
import type { FileMeta, Message } from '../shared/protocol';
import { type Receipt as ReceiptState, RECEIPT_LABEL, receipt } from '../shared/receipts';
import { ActionBar } from './Actions';
import { Avatar } from './Avatar';
import { type Revision, revise } from './comments';
import { Markdown } from './Markdown';
import { unfilled } from './quick/fill';
import { CheckIcon, ClockIcon, FlagIcon, SendIcon } from './icons';
import { lazy } from './lazy';
import { closedByLabel, systemText, transferOf, wrapupOf } from './lifecycle';
import { MANAGE_ANY, MANAGE_BROADCASTS } from './permissions';
import { viewingText } from './state';
import type { DeskStore } from './store';

const when = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const localTime = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : when.format(d);
};

/** The proactive chat form (its own chunk: opened on a browsing visitor). */
const LazyInvite = lazy(() => import('./Invite').then((m) => m.Invite));

/** The wrap-up form after a close (its own chunk). */
const LazyWrapup = lazy(() => import('./Wrapup').then((m) => m.WrapupForm));

/** A WhatsApp chat's channel line and template picker around the footer (its own chunk). */
const LazyWhatsApp = lazy(() => import('./whatsapp/Composer').then((m) => m.WhatsApp));

const STATUS_LABEL: Record<string, string> = { open: 'Live', pending: 'Pending', snoozed: 'Snoozed', closed: 'Closed' };

/** The open conversation: header, full history, typing, composer. */
export function ConversationPane({ store }: { store: DeskStore }) {
  const c = store.open$.value;
  if (!c) {
    const visitorId = store.selectedVisitorId.value;
    return (
      <main class="pane">
        <div class="empty-state">
          {visitorId ? (
            <>
              <h1>{store.displayName(visitorId)} is browsing</h1>
              <span>They have not started a chat. Their pages and details are on the right.</span>
              <LazyInvite key={visitorId} store={store} visitorId={visitorId} />
            </>
          ) : (
            <>
              <h1>No conversation open</h1>
              <span>Pick a chat from the queue on the left. New chats show up in green.</span>
            </>
          )}
        </div>
      </main>
    );
  }
  const visitor = store.visitors.value.get(c.visitor_id);
  const connected = Boolean(visitor?.connected);
  const name = store.displayName(c.visitor_id);
  const site = store.siteNames.value.get(c.site_id) ?? 'Site';
  const typing = store.typing.value.get(c.id);
  const closed = c.status === 'closed';
  const me = store.me.value?.id ?? store.agentId;
  const assignee = c.assignee_id === me ? 'you' : store.agentName(c.assignee_id);
  const viewing = viewingText([...(store.viewers.value.get(c.id)?.values() ?? [])]);
  // Someone else's chat: an agent confirms before replying (supervisors and up need not).
  const othersChat = Boolean(c.assignee_id) && c.assignee_id !== me && !store.can(MANAGE_ANY);
  const wa = store.sites.value.find((s) => s.id === c.site_id)?.channel === 'whatsapp';
  // What closes the pane; a WhatsApp chat's chunk may put its template picker (alt) in place of the reply box.
  const foot = (alt?: JSX.Element) =>
    closed ? (
      store.wrapupFor.value === c.id ? (
        <LazyWrapup key={c.id} store={store} c={c} />
      ) : (
        <p class="closed-note">
          This conversation is closed. {closedByLabel(c, (id) => store.agentName(id), me)}
          {c.closed_at ? `, ${localTime(c.closed_at)}.` : '.'}
        </p>
      )
    ) : (
      <Reply key={c.id} store={store} name={name} owner={othersChat ? (assignee ?? 'another agent') : ''} alt={alt} />
    );
  return (
    <main class="pane" aria-label={`Conversation with ${name}`}>
      <header class="pane-head">
        <span class="avatar" aria-hidden="true">
          {name.slice(0, 1).toUpperCase()}
        </span>
        <div class="pane-title">
          <h1 tabIndex={-1}>
            {name}
            {viewing && (
              <span class="viewing-label" role="status">
                {viewing}
              </span>
            )}
          </h1>
          <p>
            <span class="tag site">{site}</span>
            <span class={`status-pill ${c.status}`}>
              {STATUS_LABEL[c.status]}
              {c.status === 'snoozed' && c.snooze_until ? ` until ${localTime(c.snooze_until)}` : ''}
            </span>
            {c.flagged && (
              <span class="flag-pill">
                <FlagIcon size={12} /> Flagged
              </span>
            )}
            {!closed && <span class="assigned-label">{c.assignee_id ? `Assigned to ${assignee ?? 'an agent'}` : 'Unassigned'}</span>}
            {!wa && (
              <span class={connected ? 'presence-label on' : 'presence-label'}>
                {connected ? 'On the site' : visitor?.online ? 'Visitor disconnected' : 'Visitor left'}
              </span>
            )}

          </p>
        </div>
        <button
          type="button"
          class={store.detailsTab.value === 'context' ? 'btn secondary on' : 'btn secondary'}
          aria-pressed={store.detailsTab.value === 'context'}
          onClick={() => (store.detailsTab.value = store.detailsTab.value === 'context' ? 'details' : 'context')}
        >
          Context
        </button>
      </header>
      <ActionBar key={c.id} store={store} c={c} />
      <History store={store} />
      <p class="sr-only" aria-live="polite">
        {store.said.value}
      </p>
      <TypingLine class="typing-line" name={typing} />
      {c.rating && (
        <p class={`rating-line ${c.rating}`} role="status">
          <ThumbIcon down={c.rating === 'bad'} /> The visitor rated this chat {c.rating}
          {c.rating_comment ? <>: “{c.rating_comment}”</> : '.'}
        </p>
      )}
      {wa ? <LazyWhatsApp key={c.id} store={store} c={c} foot={foot} /> : foot()}
    </main>
  );
}

/**
 * The composer; on another agent's chat (owner set) it first asks whether
 * to reply anyway, so two agents do not answer one visitor unknowingly.
 * alt stands in for the reply box (a closed WhatsApp window's templates);
 * the internal note stays.
 */
function Reply({ store, name, owner, alt }: { store: DeskStore; name: string; owner: string; alt?: JSX.Element }) {
  const [confirmed, setConfirmed] = useState(false);
  const [note, setNote] = useState<NoteModule['NoteComposer'] | null>(null);
  const [noting, setNoting] = useState(false);
  const [failed, setFailed] = useState(false);
  const noteMode = (on: boolean) => {
    setNoting(on);
    if (on && !note) {
      import('./Note').then(
        (m) => setNote(() => m.NoteComposer),
        () => setFailed(true),
      );
    }
  };
  const NoteComposer = note;
  return (
    <div class={noting ? 'reply noting' : 'reply'}>
      <div class="compose-tabs" role="group" aria-label="Write">
        <button type="button" class={noting ? 'tab' : 'tab on'} aria-pressed={!noting} onClick={() => noteMode(false)}>
          Reply
        </button>
        <button type="button" class={noting ? 'tab on' : 'tab'} aria-pressed={noting} onClick={() => noteMode(true)}>
          Internal note
        </button>
      </div>
      {noting ? (
        NoteComposer ? (
          <NoteComposer store={store} />
        ) : (
          <p class="muted note-loading">{failed ? 'The note box cannot be loaded. Reload the page to try again.' : 'Loading…'}</p>
        )
      ) : (
        alt ?? <ReplyBox store={store} name={name} owner={owner} confirmed={confirmed} onConfirm={() => setConfirmed(true)} />
      )}
    </div>
  );
}

type NoteModule = typeof import('./Note');

type MenuModule = typeof import('./quick/Menu');

function ReplyBox({ store, name, owner, confirmed, onConfirm }: { store: DeskStore; name: string; owner: string; confirmed: boolean; onConfirm: () => void }) {
  const box = useRef<HTMLTextAreaElement>(null);
  const [slash, setSlash] = useState<string | null>(null); // the text after "/", while the menu is open
  const [active, setActive] = useState(0);
  const [menu, setMenu] = useState<MenuModule | null>(null);
  const [missing, setMissing] = useState<string[]>([]);
  const picker = useRef<{ n: number; pick: (i: number) => void }>({ n: 0, pick: () => undefined });
  if (owner && !confirmed) {
    return (
      <div class="reply-guard" role="note">
        <span>
          This chat is assigned to <strong>{owner}</strong>. Your reply would go to their visitor.
        </span>
        <button type="button" class="btn secondary small" onClick={onConfirm}>
          Reply anyway
        </button>
      </div>
    );
  }
  // A quick response picked: its text in the box, the first field left
  // to fill selected (the highlight a text box can give).
  const picked = (text: string, left: string[]) => {
    const ta = box.current;
    setSlash(null);
    setMissing(left);
    if (!ta) return;
    ta.value = text;
    ta.focus();
    const at = text.indexOf('{{');
    if (at >= 0) ta.setSelectionRange(at, text.indexOf('}}', at) + 2);
    else ta.setSelectionRange(text.length, text.length);
  };
  const files = store.files.value?.max_bytes !== 0 ? (f: File[]) => store.attach(f) : undefined;
  return (
    <div class="reply-box" {...dropTarget(files)}>
      {store.fileNotice.value && (
        <p class="quick-missing" role="alert">
          {store.fileNotice.value}
        </p>
      )}
      {slash !== null && menu && (
        <menu.QuickMenu
          store={store}
          query={slash}
          active={active}
          onPick={picked}
          onCount={(n, pick) => {
            picker.current = { n, pick };
            setActive((i) => Math.min(i, Math.max(0, n - 1)));
          }}
        />
      )}
      {missing.length > 0 && (
        <p class="quick-missing" role="alert">
          Fill in {missing.map((f) => `{{${f}}}`).join(', ')} before sending: the chat has no value for {missing.length > 1 ? 'them' : 'it'}.
        </p>
      )}
      <Composer
        inputRef={box}
        onFiles={files}
        accept={store.files.value?.accept.join(',')}
        attachIcon={<AttachIcon size={18} />}
        placeholder={`Reply to ${name}… (Enter to send, / for quick responses)`}
        onSend={(t) => {
          const left = unfilled(t);
          setMissing(left);
          if (left.length > 0) return false;
          store.send(t);
        }}
        onInput={(ta) => {
          store.typingInput();
          const m = /^\/([\w-]*)$/.exec(ta.value);
          setSlash(m ? m[1] : null);
          if (!m) picker.current = { n: 0, pick: () => undefined };
          setActive(0);
          if (m && !menu) import('./quick/Menu').then(setMenu, () => undefined);
          if (missing.length > 0) setMissing(unfilled(ta.value));
        }}
        onKey={(e) => {
          if (slash === null) return false;
          if (e.key === 'Escape') {
            setSlash(null);
            picker.current = { n: 0, pick: () => undefined };
            return true;
          }
          const n = picker.current.n;
          // While the menu loads, or matches nothing, Enter sends nothing:
          // "/word" is never a reply.
          if (n === 0) {
            if (e.key === 'Enter') e.preventDefault();
            return e.key === 'Enter';
          }
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((i) => (i + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
            return true;
          }
          if (e.key === 'Enter' || e.key === 'Tab') {
            e.preventDefault();
            picker.current.pick(active);
            return true;
          }
          return false;
        }}
      >
        <SendIcon />
        <span>Send</span>
      </Composer>
    </div>
  );
}

const RECEIPT_TITLE: Record<ReceiptState, string> = {
  sent: 'Stored and sent to the visitor',
  delivered: "On the visitor's device, not yet on screen",
  seen: 'The visitor has had it on screen',
};

/** Sent, Delivered or Seen on one of my messages. */
function Receipt({ seq, delivered, seen }: { seq: number; delivered: number; seen: number }) {
  const r = receipt(seq, delivered, seen);
  return (
    <span class={`delivery ${r}`} title={RECEIPT_TITLE[r]}>
      <CheckIcon /> {RECEIPT_LABEL[r]}
    </span>
  );
}

function History({ store }: { store: DeskStore }) {
  const list = useRef<HTMLOListElement>(null);
  const { shown: messages, revisions } = revise(store.messages.value);
  const outgoing = store.outgoing.value;
  const me = store.me.value?.id;
  const visitorSeen = store.open$.value?.visitor_read_seq ?? 0;
  const visitorDelivered = store.open$.value?.visitor_delivered_seq ?? 0;
  const count = messages.length + outgoing.length;
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count, store.openId.value]);

  return (
    <ol class="history" ref={list} aria-label="Messages" tabIndex={0}>
      {count === 0 && <li class="history-empty">No messages yet.</li>}
      {messages.map((m, i) => {
        if (m.kind === 'hidden') return null;
        if (m.kind === 'system') return <SystemEvent key={m.seq} m={m} />;
        if (m.kind === 'comment') return <Comment key={m.seq} store={store} m={m} rev={revisions.get(m.id)} mine={m.author_id === me} />;
        const side = m.author_type === 'visitor' ? 'them' : 'us';
        const first = i === 0 || messages[i - 1].author_id !== m.author_id;
        return (
          <li key={m.seq} class={`bubble-row ${side}`} data-seq={m.seq}>
            {first && (
              <span class="who">
                {m.author_type === 'agent' && m.author_id && <Avatar id={m.author_id} at={store.agents.value.get(m.author_id)?.avatar_at} name={m.author_name || 'Agent'} cls="tiny" />}
                {m.author_type === 'visitor' ? store.displayName(m.author_id ?? '') : m.author_name || (m.author_type === 'system' ? 'Auto-reply' : 'Agent')}
              </span>
            )}
            {m.kind === 'file' ? <Attachment f={fileOf(m)} /> : <p class="bubble">{m.body}</p>}
            <span class="meta">
              {shortTime(m.created_at)}
              {typeof m.meta?.broadcast_id === 'string' && (
                <>
                  {' · '}
                  {/* A link only for who may open broadcasts (the area would refuse the others). */}
                  {store.can(MANAGE_BROADCASTS) ? (
                    <a href={`#/broadcasts/${encodeURIComponent(m.meta.broadcast_id)}`}>Broadcast: {String(m.meta.broadcast_name ?? '')}</a>
                  ) : (
                    `Broadcast: ${String(m.meta.broadcast_name ?? '')}`
                  )}
                </>
              )}
              {m.author_id === me && <Receipt seq={m.seq} delivered={visitorDelivered} seen={visitorSeen} />}
              {store.seqNotes.value.get(m.seq)}
            </span>
          </li>
        );
      })}
      {outgoing.map((o) => (
        <li key={o.client_msg_id} class={`bubble-row us ${o.state}`}>
          <p class="bubble">
            {o.text}
            {o.file && o.state === 'sending' && <progress max={1} value={o.progress ?? 0} aria-label={`Uploading ${o.text}`} />}
          </p>
          <span class="meta">
            {o.state === 'failed' && o.file ? (
              <span class="delivery failed">
                Not sent ({o.error}){' '}
                <button type="button" class="link" onClick={() => store.discard(o.client_msg_id)}>
                  Remove
                </button>
              </span>
            ) : o.state === 'failed' ? (
              <span class="delivery failed">
                Not sent ({o.error}){' '}
                <button type="button" class="link" onClick={() => store.retry(o.client_msg_id)}>
                  Retry
                </button>
              </span>
            ) : (
              <span class="delivery">
                <ClockIcon /> Sending…
              </span>
            )}
          </span>
        </li>
      ))}
    </ol>
  );
}

/** A file in the history: an image shown (it opens whole in a tab), anything else a card that downloads it. */
function Attachment({ f }: { f: FileMeta | null }) {
  if (!f) return null;
  const url = `/api/v1/files/${encodeURIComponent(f.id)}`;
  return isImage(f) ? (
    <a class="bubble image" href={url} target="_blank" rel="noopener">
      <img src={url} alt={f.name} width={f.width} height={f.height} loading="lazy" />
    </a>
  ) : (
    <a class="bubble file" href={`${url}?download=1`} download={f.name}>
      <span class="file-name">{f.name}</span>
      <span class="file-size">{fileSize(f.size)}</span>
    </a>
  );
}

/** A system event, centered; private ones (transfer notes, wrap-ups) as internal notes. */
function SystemEvent({ m }: { m: Message }) {
  if (!m.private) {
    return (
      <li class="sys" data-seq={m.seq}>
        {systemText(m, localTime)}
      </li>
    );
  }
  const wrap = wrapupOf(m);
  const transfer = transferOf(m);
  const who = m.author_name || 'An agent';
  return (
    <li class="sys note" data-seq={m.seq}>
      <span class="note-label">Internal note · {shortTime(m.created_at)}</span>
      {wrap ? (
        <>
          <strong>Wrap-up by {who}</strong>
          {wrap.notes && <p class="note-text">{wrap.notes}</p>}
          {wrap.tags.length > 0 && (
            <span class="tag-row">
              {wrap.tags.map((t) => (
                <span key={t} class="tag outcome">
                  {t}
                </span>
              ))}
            </span>
          )}
        </>
      ) : transfer ? (
        <>
          <strong>
            {who} transferred the conversation{transfer.to ? ` to ${transfer.to}` : ''}
          </strong>
          {transfer.note && <p class="note-text">{transfer.note}</p>}
        </>
      ) : (
        <p class="note-text">{m.body}</p>
      )}
    </li>
  );
}

/** A comment's edit form and its Edit / Delete links (their own chunk: only on one's own notes). */
const LazyNoteEdit = lazy(() => import('./NoteEdit').then((m) => m.NoteEdit));
const LazyNoteActions = lazy(() => import('./NoteEdit').then((m) => m.NoteActions));

/** An agent's comment: an internal note, Markdown-lite, that its author may edit or delete. */
function Comment({ store, m, rev, mine }: { store: DeskStore; m: Message; rev?: Revision; mine: boolean }) {
  const [editing, setEditing] = useState(false);
  const deleted = rev?.deleted ?? false;
  const body = rev?.body ?? m.body;
  const names = (Array.isArray(m.meta?.mentions) ? (m.meta.mentions as string[]) : []).map((id) => store.agentName(id) ?? '');
  return (
    <li class="sys note comment" data-seq={m.seq}>
      <span class="note-label">
        Internal note · {m.author_name || 'An agent'} · {shortTime(m.created_at)}
        {rev?.edited && !deleted ? ' · edited' : ''}
      </span>
      {deleted ? (
        <p class="note-text muted">Comment deleted</p>
      ) : editing ? (
        <LazyNoteEdit store={store} id={m.id} body={body} onDone={() => setEditing(false)} />
      ) : (
        <p class="note-text">
          <Markdown text={body} names={names} />
        </p>
      )}
      {mine && !deleted && !editing && <LazyNoteActions store={store} id={m.id} onEdit={() => setEditing(true)} />}
    </li>
  );
}
