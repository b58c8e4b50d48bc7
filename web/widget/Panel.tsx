import type { RefObject } from 'preact';
import { CommandError, MAX_RATING_COMMENT, RATING_WINDOW_MS, type Rating } from '../shared/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Composer, dropTarget } from '../shared/Composer';
import { agentLabel } from '../shared/look';
import { TypingLine } from '../shared/TypingLine';
import type { TextKey } from './i18n';
import { AttachIcon } from '../shared/AttachIcon';
import { ThumbIcon } from '../shared/ThumbIcon';
import { CloseIcon, SendIcon } from './icons';
import { PanelBanners } from './Broadcasts';
import { Messages } from './Messages';
import type { WidgetStore } from './store';

const banners: Partial<Record<string, TextKey>> = {
  connecting: 'connecting',
  reconnecting: 'reconnecting',
  failed: 'unavailable',
};

/** Where the open panel takes the whole screen (widget.css agrees). */
const SMALL = '(max-width: 480px)';

/**
 * The chat panel: header, connection banner, messages, typing, composer.
 * A <dialog>: beside the launcher on a large screen; on a small one, where
 * it covers the page, a modal one, so focus stays in it and the host page
 * is inert to the keyboard and to screen readers while it is open.
 */
export function Panel({ store, inputRef }: { store: WidgetStore; inputRef: RefObject<HTMLTextAreaElement> }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    const small = matchMedia(SMALL);
    const show = () => {
      if (d.open) d.close();
      if (small.matches) d.showModal();
      else d.show();
    };
    show();
    small.addEventListener('change', show);
    return () => {
      small.removeEventListener('change', show);
      if (d.open) d.close();
    };
  }, []);
  const bannerKey = banners[store.conn.value];
  const banner = bannerKey && store.text(bannerKey);
  const typing = store.agentTyping.value;
  const name = store.siteName.value || 'Chat';
  const ended = store.closed.value;
  const [confirming, setConfirming] = useState(false);
  const [endError, setEndError] = useState('');
  // Attachments, unless the site's workspace turned them off.
  const files = store.files.value?.max_bytes !== 0 && !ended && !store.askContact.value;
  const onFiles = files ? (f: File[]) => store.attach(f) : undefined;
  useEffect(() => {
    if (!store.active.value) setConfirming(false);
  }, [store.active.value]);
  return (
    <dialog
      ref={dialog}
      id="ld-panel"
      class="panel"
      aria-label={store.text('chat_with', { name })}
      onCancel={(e) => {
        e.preventDefault(); // Escape on the modal: closing is the store's to do
        store.close();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') store.close();
      }}
      {...dropTarget(onFiles)}
    >
      <div class="head">
        <div class="avatar" aria-hidden="true">
          {name.slice(0, 1).toUpperCase()}
        </div>
        <div class="title">
          <h2>{name}</h2>
          <p>{store.text('subtitle')}</p>
        </div>
        {store.active.value && (
          <button type="button" class="end" aria-expanded={confirming} onClick={() => setConfirming(!confirming)}>
            {store.text('end_chat')}
          </button>
        )}
        <button type="button" class="icon" aria-label={store.text('close')} onClick={() => store.close()}>
          <CloseIcon />
        </button>
      </div>
      {confirming && (
        <div class="confirm" role="alertdialog" aria-labelledby="ld-end-q">
          <span id="ld-end-q">{store.text('end_confirm')}</span>
          <span class="confirm-buttons">
            <button type="button" class="ghost" onClick={() => setConfirming(false)}>
              {store.text('keep_chatting')}
            </button>
            <button
              type="button"
              class="solid"
              onClick={() => {
                setEndError('');
                store
                  .endChat()
                  .then(() => setConfirming(false))
                  .catch(() => setEndError(store.text('end_failed')));
              }}
            >
              {store.text('end_chat')}
            </button>
          </span>
          {endError && <span class="error">{endError}</span>}
        </div>
      )}
      {banner && (
        <div class={`banner ${store.conn.value}`} role="status">
          {banner}
        </div>
      )}
      {store.tickets.value.length > 0 && (
        <details class="requests">
          <summary>
            {store.text('requests')} ({store.tickets.value.length})
          </summary>
          <ul>
            {store.tickets.value.map((t) => (
              <li key={t.id}>
                <span class="request-subject">{t.subject}</span>
                <span class={`request-stage ${t.stage}`}>{store.text(`stage_${t.stage}` as TextKey)}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
      <PanelBanners store={store} />
      <Messages store={store} />
      <TypingLine class="typing" text={typing ? store.text('typing', { name: agentLabel(store.look.value, store.siteName.value, typing) }) : null} />
      {store.askContact.value && !ended ? (
        <ContactForm store={store} inputRef={inputRef} />
      ) : ended ? (
        <div class="ended" role="status">
          <strong>{store.text('ended_title')}</strong>
          <span>{store.text('ended_text')}</span>
          <Rate store={store} />
          <button
            type="button"
            class="solid"
            onClick={() => {
              store.startNew();
              setTimeout(() => inputRef.current?.focus(), 0);
            }}
          >
            {store.text('start_new')}
          </button>
        </div>
      ) : (
        <>
          {store.fileNotice.value && (
            <p class="notice" role="alert">
              {store.fileNotice.value}
            </p>
          )}
          <Composer
            inputRef={inputRef}
            placeholder={store.text('placeholder')}
            label={store.text('message_label')}
            sendLabel={store.text('send')}
            onSend={(t) => store.send(t)}
            onInput={() => store.input()}
            onFiles={onFiles}
            accept={store.files.value?.accept.join(',')}
            attachLabel={store.text('attach')}
            attachIcon={<AttachIcon />}
          >
            <SendIcon />
          </Composer>
        </>
      )}
    </dialog>
  );
}

/**
 * Rating an ended chat (when the site asks, within a day of the end): one
 * tap on good or bad is a rating; a comment may follow. A given rating
 * shows as thanks, with a way to change it while it may be changed.
 */
function Rate({ store }: { store: WidgetStore }) {
  const r = store.rating.value;
  const [editing, setEditing] = useState(false);
  const [comment, setComment] = useState(r.comment);
  const [failed, setFailed] = useState(false);
  // The server said no more (the day is over, or the site stopped asking).
  const [shut, setShut] = useState(false);
  useEffect(() => setComment(r.comment), [r.comment]);
  // The window by the server's clock, not the browser's.
  const open = !shut && !!r.endedAt && store.serverNow() - Date.parse(r.endedAt) < RATING_WINDOW_MS;
  if (!store.look.value?.ratings || (!open && !r.value)) return null;
  const send = (value: Rating, text: string, done?: () => void) => {
    setFailed(false);
    store.rate(value, text).then(
      () => done?.(),
      (err: unknown) => {
        if (err instanceof CommandError && (err.code === 'rating_closed' || err.code === 'ratings_off')) {
          setShut(true);
          setEditing(false);
        } else setFailed(true);
      },
    );
  };
  if (r.value && !editing)
    return (
      <p class="rated">
        {store.text('rate_thanks')}{' '}
        {open && (
          <button type="button" class="link" onClick={() => setEditing(true)}>
            {store.text('rate_change')}
          </button>
        )}
      </p>
    );
  return (
    <form
      class="rate"
      aria-labelledby="ld-rate-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (r.value) send(r.value, comment, () => setEditing(false));
      }}
    >
      <strong id="ld-rate-title">{store.text('rate_question')}</strong>
      <span class="rate-buttons">
        {(['good', 'bad'] as const).map((v) => (
          <button key={v} type="button" class={`rate-${v}`} aria-pressed={r.value === v}
            onClick={() => {
              send(v, comment);
              setEditing(true);
            }}
          >
            <ThumbIcon down={v === 'bad'} /> {store.text(v === 'good' ? 'rate_good' : 'rate_bad')}
          </button>
        ))}
      </span>
      {r.value && (
        <>
          <label>
            {store.text('rate_comment')}
            <textarea rows={2} value={comment} maxLength={MAX_RATING_COMMENT} onInput={(e) => setComment(e.currentTarget.value)} />
          </label>
          <button type="submit" class="solid">
            {store.text('rate_send')}
          </button>
        </>
      )}
      {failed && <span class="error">{store.text('rate_failed')}</span>}
    </form>
  );
}

/**
 * Out of hours, before the first message: the visitor leaves a name and an
 * e-mail address, so that the answer can reach them by e-mail too (the
 * site's business_hours.ask_contact), or skips it.
 */
function ContactForm({ store, inputRef }: { store: WidgetStore; inputRef: RefObject<HTMLTextAreaElement> }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const done = (who: { name: string; email: string } | null) => {
    store.leaveContact(who);
    setTimeout(() => inputRef.current?.focus(), 0);
  };
  return (
    <form
      class="contact"
      aria-labelledby="ld-contact-title"
      onSubmit={(e) => {
        e.preventDefault();
        done({ name: name.trim(), email: email.trim() });
      }}
    >
      <strong id="ld-contact-title">{store.text('offline_title')}</strong>
      <span>{store.text('offline_text')}</span>
      <label>
        {store.text('name_label')}
        <input value={name} maxLength={MAX_VISITOR_NAME} autoComplete="name" onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        {store.text('email_label')}
        <input type="email" required value={email} maxLength={MAX_EMAIL} autoComplete="email" onInput={(e) => setEmail(e.currentTarget.value)} />
      </label>
      <span class="contact-buttons">
        <button type="button" class="ghost" onClick={() => done(null)}>
          {store.text('offline_skip')}
        </button>
        <button type="submit" class="solid">
          {store.text('offline_continue')}
        </button>
      </span>
    </form>
  );
}

/** The server's limits on a visitor's claimed name (characters) and e-mail (bytes). */
const MAX_VISITOR_NAME = 100;
const MAX_EMAIL = 254;
