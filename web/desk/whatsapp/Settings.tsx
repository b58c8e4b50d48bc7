// Settings → WhatsApp (docs/api.md, WhatsApp): owners and admins connect
// WhatsApp Business numbers (Meta's Cloud API), copy each one's webhook
// settings into their Meta app, replace its secrets, sync its message
// templates and disconnect it. Part of the settings area's chunk
// (admin/Admin.tsx): a chunk of its own would make that one export its
// helpers to it, which costs the desk's first load its import by name.
import { useEffect, useRef, useState } from 'preact/hooks';
import { MAX_NAME } from '../admin/api';
import { errorText, Field, FormError, ShownOnce, SubmitRow, useCopy, useHeadingAfterRemoval, useRefocus } from '../admin/form';
import { ApiError } from '../api';
import { href } from '../router';
import { createChannel, deleteChannel, listChannels, listTemplates, syncTemplates, updateChannel, type WhatsAppChannel, type WhatsAppTemplate } from './api';
import { type ChannelField, type ChannelForm, createInput, EMPTY_FORM, fieldOf, formOf, listOrder, patchOf, problems, reviewOf, syncSummary } from './channels';
import './settings.css';

const INTRO =
  'Connect a WhatsApp Business number (Meta’s WhatsApp Cloud API) and its customers’ messages arrive as chats in the queue, answered from the desk like any other. For 24 hours after a customer’s last message agents write freely; after that WhatsApp takes only a template Meta has approved.';

const moment = (iso: string) => {
  const t = new Date(iso);
  return isNaN(t.getTime()) ? iso : t.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
};

const sitePage = (siteId: string) => href({ area: 'admin', page: 'sites', id: siteId });

/** Settings → WhatsApp. Anyone but owners and admins reads why they see no number (and nothing is asked of the server). */
export function WhatsAppSettings({ editable }: { editable: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null);
  return (
    <section aria-labelledby="wa-title" class="wa-settings">
      <h2 id="wa-title" ref={heading} tabIndex={-1}>
        WhatsApp
      </h2>
      <p class="muted">{INTRO}</p>
      <p class="muted">
        Each number is a site of its own: its business hours, default department and out-of-hours texts are set on that site in{' '}
        <a href={sitePage('')}>Settings → Sites</a>.
      </p>
      {editable ? <Numbers heading={heading} /> : <p class="notice">Only owners and admins manage WhatsApp numbers.</p>}
    </section>
  );
}

function Numbers({ heading }: { heading: { current: HTMLHeadingElement | null } }) {
  const [channels, setChannels] = useState<WhatsAppChannel[] | null>(null);
  const [error, setError] = useState('');
  const [created, setCreated] = useState<{ channel: WhatsAppChannel; token: string } | null>(null);
  const nameInput = useRef<HTMLInputElement>(null);
  const refocus = useRefocus(created, nameInput);
  const removed = useHeadingAfterRemoval(heading); // a number disconnected: its card took the focus with it
  const load = () =>
    listChannels().then(
      (l) => {
        setChannels(l);
        setError('');
      },
      (err: unknown) => setError(errorText(err, 'Loading the WhatsApp numbers')),
    );
  useEffect(() => void load(), []);
  const replace = (ch: WhatsAppChannel) => setChannels((l) => (l ?? []).map((x) => (x.id === ch.id ? ch : x)));
  return (
    <>
      <FormError text={error} />
      {channels && channels.length === 0 && <p class="muted">No WhatsApp number is connected yet.</p>}
      {channels?.map((ch) => (
        <ChannelCard
          key={ch.id}
          channel={ch}
          onSaved={(u) => {
            setError('');
            replace(u);
          }}
          onChanged={() => void load()}
          onRemoved={() => {
            setError('');
            setChannels((l) => (l ?? []).filter((x) => x.id !== ch.id));
            removed();
          }}
        />
      ))}
      {created ? (
        <ShownOnce
          id="wa-new-token"
          title={`“${created.channel.name}” connected`}
          note="It is the verify token your Meta app’s webhook settings need, below."
          value={created.token}
          what="verify token"
          testId="whatsapp-verify-token"
          onDone={() => {
            refocus();
            setCreated(null);
          }}
        >
          <Steps url={created.channel.webhook_url} />
        </ShownOnce>
      ) : (
        <NumberForm
          prefix="wa-new"
          title="Connect a WhatsApp number"
          action="Connect number"
          what="Connecting the number"
          initial={EMPTY_FORM}
          nameInput={nameInput}
          onSave={(f) =>
            createChannel(createInput(f)).then((r) => {
              setError('');
              setChannels((l) => [...(l ?? []).filter((x) => x.id !== r.channel.id), r.channel]);
              setCreated({ channel: r.channel, token: r.verify_token });
            })
          }
        />
      )}
    </>
  );
}

/** What to set in the Meta app once a number is connected. */
function Steps({ url }: { url: string }) {
  return (
    <div class="wa-steps">
      <h4>Then, in your Meta app → WhatsApp → Configuration</h4>
      <ol>
        <li>
          Under Webhook, Edit: set the <strong>Callback URL</strong> to
          <Copyable value={url} what="callback URL" testId="whatsapp-callback-url" />
        </li>
        <li>
          Set the <strong>Verify token</strong> to the token above, then Verify and save.
        </li>
        <li>
          Under Webhook fields, subscribe to <code>messages</code>.
        </li>
        <li>Back here, Sync templates brings the number’s approved message templates to the desk.</li>
      </ol>
    </div>
  );
}

/** A value to paste elsewhere, with a Copy button; what names it in the button's label. */
function Copyable({ value, what, testId }: { value: string; what: string; testId?: string }) {
  const [copied, copy] = useCopy(value);
  return (
    <div class="snippet wa-copy">
      <code data-testid={testId}>{value}</code>
      <button type="button" class="btn" aria-label={`Copy the ${what}`} onClick={copy}>
        Copy
      </button>
      <span role="status" class={copied === 'failed' ? 'field-error' : 'saved'}>
        {copied === 'yes' && 'Copied.'}
        {copied === 'failed' && `Copying failed: select the ${what} and copy it.`}
      </span>
    </div>
  );
}

/** A sync refused: WhatsApp's own words when it is WhatsApp that refused. */
function syncError(err: unknown): string {
  if (err instanceof ApiError && err.code.startsWith('whatsapp_') && err.message) return err.message;
  return errorText(err, 'Syncing the templates');
}

/**
 * One connected number: its facts and webhook URL, an alert when Meta
 * refuses its token, and what may be done with it (edit, sync its
 * templates and list them, disconnect).
 */
function ChannelCard({ channel: ch, onSaved, onChanged, onRemoved }: {
  channel: WhatsAppChannel;
  onSaved: (ch: WhatsAppChannel) => void;
  /** The number changed on the server (a sync): read the list again. */
  onChanged: () => void;
  onRemoved: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [removing, setRemoving] = useState(false);
  const [syncing, setSyncing] = useState(false);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const [open, setOpen] = useState(false);
  const [templates, setTemplates] = useState<WhatsAppTemplate[] | null>(null);
  const [templatesError, setTemplatesError] = useState('');
  const editButton = useRef<HTMLButtonElement>(null);
  const removeButton = useRef<HTMLButtonElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  // Where the focus goes once the card shows what changed (the control pressed may have gone).
  const [focus, setFocus] = useState<'edit' | 'remove' | 'cancel' | null>(null);
  useEffect(() => {
    if (!focus) return;
    ({ edit: editButton, remove: removeButton, cancel: cancelButton })[focus].current?.focus();
    setFocus(null);
  }, [focus]);
  const id = `wa-${ch.id}`;
  const broken = ch.status === 'token_invalid';

  const showTemplates = (on: boolean) => {
    setOpen(on);
    if (on && templates === null) {
      setTemplatesError('');
      listTemplates(ch.id).then(setTemplates, (err: unknown) => setTemplatesError(errorText(err, 'Loading the templates')));
    }
  };
  const sync = () => {
    if (syncing) return;
    setSyncing(true);
    setSaid(null);
    syncTemplates(ch.id).then(
      (items) => {
        setSyncing(false);
        setTemplates(items);
        setTemplatesError('');
        setOpen(true);
        setSaid({ ok: true, text: syncSummary(items) });
        onChanged(); // its sync time, and its status if the token works again
      },
      (err: unknown) => {
        setSyncing(false);
        setSaid({ ok: false, text: syncError(err) });
        onChanged(); // Meta may have refused the token: its status says so
      },
    );
  };
  const remove = () => {
    if (removing) return;
    setRemoving(true);
    deleteChannel(ch.id).then(onRemoved, (err: unknown) => {
      // Disconnected already (elsewhere): gone all the same.
      if (err instanceof ApiError && err.status === 404) return onRemoved();
      setRemoving(false);
      setSaid({ ok: false, text: errorText(err, `Disconnecting ${ch.name}`) });
    });
  };

  return (
    <article class={broken ? 'wa-number broken' : 'wa-number'} aria-labelledby={`${id}-title`}>
      <div class="wa-number-head">
        <h3 id={`${id}-title`}>{ch.name}</h3>
        <span class={broken ? 'pill wa-pill-red' : 'pill green'}>{broken ? 'Token refused' : 'Connected'}</span>
      </div>
      {broken && (
        <div class="wa-broken" role="alert">
          <strong>WhatsApp refuses this number’s access token:</strong> nothing can be sent on it until the token is replaced (Edit → Access token).
          {ch.last_error && <span class="block">WhatsApp said: {ch.last_error}</span>}
        </div>
      )}
      <dl class="wa-facts">
        <div>
          <dt>Number</dt>
          <dd>{ch.display_phone_number}</dd>
        </div>
        <div>
          <dt>Phone number ID</dt>
          <dd>
            <code>{ch.phone_number_id}</code>
          </dd>
        </div>
        <div>
          <dt>Business Account ID</dt>
          <dd>
            <code>{ch.business_account_id}</code>
          </dd>
        </div>
        <div>
          <dt>Templates</dt>
          <dd>{ch.templates_synced_at ? <>Synced <time dateTime={ch.templates_synced_at}>{moment(ch.templates_synced_at)}</time></> : 'Never synced'}</dd>
        </div>
        <div>
          <dt>Site</dt>
          <dd>
            <a href={sitePage(ch.site_id)}>
              Hours, department and texts<span class="sr-only"> of {ch.name}</span>
            </a>
          </dd>
        </div>
      </dl>
      <div class="wa-url">
        <span class="pref-label">Callback URL</span>
        <span class="pref-help muted">Meta’s app sends the number’s messages and delivery states here (WhatsApp → Configuration → Webhook).</span>
        <Copyable value={ch.webhook_url} what={`callback URL of ${ch.name}`} />
      </div>
      {confirm ? (
        <div
          class="confirm"
          role="alertdialog"
          aria-label={`Disconnect ${ch.name}`}
          aria-describedby={`${id}-remove`}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && !removing) {
              setConfirm(false);
              setFocus('remove');
            }
          }}
        >
          <p id={`${id}-remove`}>
            Disconnect <strong>{ch.name}</strong> ({ch.display_phone_number})? Live Desk forgets its access token and app secret, and nothing more can be sent on
            this number until it is connected again. Its site and its conversations stay, with their history.
          </p>
          <button type="button" class="btn danger small" disabled={removing} onClick={remove}>
            {removing ? 'Disconnecting…' : 'Disconnect'}
          </button>
          <button
            type="button"
            class="btn ghost small"
            ref={cancelButton}
            disabled={removing}
            onClick={() => {
              setConfirm(false);
              setFocus('remove');
            }}
          >
            Cancel
          </button>
        </div>
      ) : (
        <div class="wa-actions">
          <button
            type="button"
            class="btn ghost small"
            ref={editButton}
            aria-label={`Edit ${ch.name}`}
            aria-expanded={editing}
            onClick={() => {
              if (editing) setFocus('edit');
              setEditing(!editing);
            }}
          >
            Edit
          </button>
          <button type="button" class="btn ghost small" aria-label={`Sync templates of ${ch.name}`} disabled={syncing} onClick={sync}>
            {syncing ? 'Syncing…' : 'Sync templates'}
          </button>
          <button
            type="button"
            class="btn ghost small"
            aria-label={`Templates of ${ch.name}`}
            aria-expanded={open}
            aria-controls={open ? `${id}-templates` : undefined}
            onClick={() => showTemplates(!open)}
          >
            Templates
          </button>
          <button
            type="button"
            class="btn ghost small danger-text"
            ref={removeButton}
            aria-label={`Disconnect ${ch.name}`}
            onClick={() => {
              setSaid(null);
              setConfirm(true);
              setFocus('cancel');
            }}
          >
            Disconnect
          </button>
        </div>
      )}
      <p role="status" class={said && !said.ok ? 'wa-said field-error' : 'wa-said saved'}>
        {syncing ? 'Reading the templates from WhatsApp…' : said?.text}
      </p>
      {editing && (
        <NumberForm
          prefix={id}
          title={`Edit “${ch.name}”`}
          action="Save number"
          what="Saving the number"
          initial={formOf(ch)}
          channel={ch}
          focusFirst
          onSave={(f) => {
            const patch = patchOf(ch, f);
            // Nothing changed: nothing to send.
            const done = Object.keys(patch).length === 0 ? Promise.resolve(ch) : updateChannel(ch.id, patch);
            return done.then((u) => {
              onSaved(u);
              setEditing(false);
              setFocus('edit');
            });
          }}
          onCancel={() => {
            setEditing(false);
            setFocus('edit');
          }}
        />
      )}
      {open && (
        <div class="wa-templates" id={`${id}-templates`} role="region" aria-labelledby={`${id}-templates-title`}>
          <h4 id={`${id}-templates-title`}>
            Templates<span class="sr-only"> of {ch.name}</span>
          </h4>
          <FormError text={templatesError} />
          {templates === null && !templatesError && <p class="muted">Loading the templates…</p>}
          {templates && <Templates items={templates} name={ch.name} />}
        </div>
      )}
    </article>
  );
}

/** A number's templates: the approved first (what agents can send), each with its text. */
function Templates({ items, name }: { items: WhatsAppTemplate[]; name: string }) {
  if (items.length === 0) {
    return <p class="muted">No templates yet: make them in Meta’s WhatsApp Manager, then Sync templates.</p>;
  }
  return (
    <table class="admin-table wa-template-table">
      <caption class="sr-only">Templates of {name}, the approved first</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Language</th>
          <th scope="col">Category</th>
          <th scope="col">Status</th>
          <th scope="col">Text</th>
        </tr>
      </thead>
      <tbody>
        {listOrder(items).map((t) => {
          const review = reviewOf(t.status);
          return (
            <tr key={t.id}>
              <th scope="row">
                <code>{t.name}</code>
              </th>
              <td>{t.language}</td>
              <td>{t.category.charAt(0) + t.category.slice(1).toLowerCase()}</td>
              <td>
                <span class={review.tone === 'green' ? 'pill green' : review.tone ? `pill wa-pill-${review.tone}` : 'pill'}>{review.label}</span>
              </td>
              <td class="wa-template-text">
                {t.header && <strong class="block">{t.header}</strong>}
                <span class="block">{t.body}</span>
                {t.footer && <span class="block muted">{t.footer}</span>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/**
 * A number's form, to connect it (no channel) or change it: names and IDs,
 * and the secrets, which are write-only (on an edit, empty keeps the
 * current one). onSave sends it; refused, the server's error shows at its
 * field.
 */
function NumberForm(p: {
  /** The ids' prefix: each number's form may be open at once. */
  prefix: string;
  title: string;
  action: string;
  /** What a failure says failed ("Connecting the number"). */
  what: string;
  initial: ChannelForm;
  /** The number edited (none: a new one). */
  channel?: WhatsAppChannel;
  nameInput?: { current: HTMLInputElement | null };
  focusFirst?: boolean;
  onSave: (f: ChannelForm) => Promise<void>;
  onCancel?: () => void;
}) {
  const { prefix } = p;
  const fresh = !p.channel;
  const [f, setF] = useState<ChannelForm>(p.initial);
  const [errors, setErrors] = useState<Partial<Record<ChannelField, string>>>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const own = useRef<HTMLInputElement>(null);
  const nameInput = p.nameInput ?? own;
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (p.focusFirst) nameInput.current?.focus();
  }, []);
  const focusField = (k: ChannelField) => form.current?.querySelector<HTMLInputElement>(`#${prefix}-${k}`)?.focus();
  const set = (k: ChannelField) => (e: { currentTarget: HTMLInputElement }) => setF((cur) => ({ ...cur, [k]: e.currentTarget.value }));

  const submit = (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const found = problems(f, fresh);
    setErrors(found);
    setFormError('');
    const first = Object.keys(found)[0] as ChannelField | undefined;
    if (first) return focusField(first);
    setBusy(true);
    p.onSave(f).then(
      () => {
        setBusy(false);
        if (fresh) setF(EMPTY_FORM);
      },
      (err: unknown) => {
        setBusy(false);
        const text = err instanceof ApiError && err.code.startsWith('whatsapp_') && err.message ? err.message : errorText(err, p.what);
        const field = err instanceof ApiError ? fieldOf(err.field) : '';
        if (field) {
          setErrors({ [field]: text });
          focusField(field);
        } else setFormError(text);
      },
    );
  };

  const described = (k: ChannelField) => [`${prefix}-${k}-help`, errors[k] ? `${prefix}-${k}-error` : ''].filter(Boolean).join(' ');
  const input = (k: ChannelField, extra: Record<string, unknown> = {}) => (
    <input
      id={`${prefix}-${k}`}
      value={f[k]}
      autoComplete="off"
      spellcheck={false}
      aria-invalid={errors[k] ? true : undefined}
      aria-describedby={described(k)}
      onInput={set(k)}
      {...extra}
    />
  );
  const keep = fresh ? '' : ' Leave it empty to keep the current one.';
  return (
    <form
      class="prefs-form admin-new wa-form"
      ref={form}
      onSubmit={submit}
      noValidate
      aria-labelledby={`${prefix}-title`}
      onKeyDown={(e) => {
        if (p.onCancel && e.key === 'Escape' && !busy) p.onCancel();
      }}
    >
      {fresh ? <h3 id={`${prefix}-title`}>{p.title}</h3> : <h4 id={`${prefix}-title`}>{p.title}</h4>}
      {fresh && (
        <p class="muted wa-form-help">
          From your app at developers.facebook.com → WhatsApp → API Setup. The access token is best a system user’s permanent token with the
          whatsapp_business_messaging and whatsapp_business_management permissions: a temporary one stops within a day.
        </p>
      )}
      <div class="wa-form-grid">
        <Field id={`${prefix}-name`} label="Name" help="How the desk names the number: the site its chats come from." error={errors.name}>
          {input('name', { ref: nameInput, maxLength: MAX_NAME, spellcheck: true })}
        </Field>
        <Field id={`${prefix}-display_phone_number`} label="Phone number" help="As customers see it, e.g. +49 30 1234567." error={errors.display_phone_number}>
          {input('display_phone_number', { type: 'tel' })}
        </Field>
        {fresh ? (
          <Field id={`${prefix}-phone_number_id`} label="Phone number ID" help="Meta’s ID of the number (digits), not the number itself." error={errors.phone_number_id}>
            {input('phone_number_id', { inputMode: 'numeric' })}
          </Field>
        ) : null}
        <Field
          id={`${prefix}-business_account_id`}
          label="WhatsApp Business Account ID"
          help="The account the number and its templates belong to (digits)."
          error={errors.business_account_id}
        >
          {input('business_account_id', { inputMode: 'numeric' })}
        </Field>
        <Field
          id={`${prefix}-access_token`}
          label={fresh ? 'Access token' : 'New access token'}
          help={`Live Desk sends the number’s messages with it.${keep}`}
          error={errors.access_token}
        >
          {input('access_token', { type: 'password', autoComplete: 'new-password' })}
        </Field>
        <Field
          id={`${prefix}-app_secret`}
          label={fresh ? 'App secret' : 'New app secret'}
          help={`App settings → Basic → App secret: Live Desk checks that each webhook request comes from Meta with it.${keep}`}
          error={errors.app_secret}
        >
          {input('app_secret', { type: 'password', autoComplete: 'new-password' })}
        </Field>
        <Field
          id={`${prefix}-verify_token`}
          label={fresh ? 'Webhook verify token (optional)' : 'New webhook verify token'}
          help={fresh ? 'Any word you choose; leave it empty and Live Desk makes one, shown once.' : `Change it in your Meta app’s webhook settings too.${keep}`}
          error={errors.verify_token}
        >
          {input('verify_token')}
        </Field>
      </div>
      <FormError text={formError} />
      <SubmitRow label={p.action} busy={busy} onCancel={p.onCancel} />
    </form>
  );
}
