import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { go } from '../router';
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  pingWebhook,
  redeliver,
  rotateWebhookSecret,
  updateWebhook,
  type Webhook,
  type WebhookDelivery,
  type WebhookInput,
} from './api';
import { errorText, Field, FormError, ShownOnce, SubmitRow, useHeadingAfterRemoval, useRefocus } from './form';
import {
  canRedeliver,
  DELIVERY_STATE,
  descriptionProblem,
  durationText,
  eventsInOrder,
  eventsSummary,
  WEBHOOK_DESCRIPTION_LIMIT,
  WEBHOOKS_LIMIT,
  NO_EVENT,
  pingOutcome,
  responseText,
  urlProblem,
  WEBHOOK_EVENT_GROUPS,
  WEBHOOK_EVENTS,
} from './webhooks';

/** What a new signing secret is for. */
const SECRET_NOTE = 'Your endpoint checks each request’s LiveDesk-Signature with it.';

const INTRO =
  'Webhooks tell your own systems what happens here as it happens: Live Desk POSTs each event you choose, as signed JSON, to your URL. Each request carries a LiveDesk-Signature header made with the webhook’s secret, so your endpoint can tell it came from Live Desk (docs/api.md, Webhooks).';

const moment = (iso: string) => {
  const t = new Date(iso);
  return isNaN(t.getTime()) ? iso : t.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
};
// The delivery log's times are to the second (its retries can be seconds
// apart), without the year, to keep its rows one line tall.
const instant = (iso: string) => {
  const t = new Date(iso);
  return isNaN(t.getTime()) ? iso : t.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit' });
};
/** How an endpoint is named in buttons and dialogs: its description, else its URL. */
const nameOf = (w: Webhook) => w.description.trim() || w.url;
const EMPTY: WebhookInput = { url: '', description: '', events: [] };

/**
 * Webhooks: owners and admins add the URLs Live Desk sends events to (each
 * endpoint's signing secret shown once, when made and when rotated), turn
 * them off and on, try them with a test event and read what each delivery
 * got. Anyone else reads why they see none (and nothing is asked of the
 * server). The route's id opens that endpoint's delivery log: the inbox
 * links there when the server turned a failing endpoint off.
 */
export function Webhooks({ editable, id }: { editable: boolean; id: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title" ref={heading} tabIndex={-1}>
        Webhooks
      </h2>
      <p class="muted">{INTRO}</p>
      {editable ? <WebhookManager id={id} heading={heading} /> : <p class="notice">Only owners and admins manage webhooks.</p>}
    </section>
  );
}

function WebhookManager({ id, heading }: { id: string; heading: { current: HTMLHeadingElement | null } }) {
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [error, setError] = useState('');
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const urlInput = useRef<HTMLInputElement>(null);
  const refocus = useRefocus(created, urlInput);
  const deleted = useHeadingAfterRemoval(heading);
  const load = () =>
    listWebhooks()
      .then(setHooks)
      .catch((err: unknown) => setError(errorText(err, 'Loading the webhooks')));
  useEffect(() => void load(), []);
  const replace = (w: Webhook) => setHooks((l) => (l ?? []).map((x) => (x.id === w.id ? w : x)));
  return (
    <>
      <FormError text={error} />
      {hooks && hooks.length === 0 && <p class="muted">No webhooks yet.</p>}
      {id && hooks && !hooks.some((w) => w.id === id) && <p class="notice">That webhook no longer exists.</p>}
      {hooks && hooks.length > 0 && (
        <>
          <table class="admin-table hook-table">
            <caption class="sr-only">Webhooks, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            {hooks.map((w) => (
              <WebhookRows
                key={w.id}
                hook={w}
                open={w.id === id}
                onSaved={(u) => {
                  setError('');
                  replace(u);
                }}
                onDeleted={() => {
                  setError('');
                  setHooks((l) => (l ?? []).filter((x) => x.id !== w.id));
                  deleted();
                  // Its log was open: the address no longer names it.
                  if (w.id === id) go({ area: 'admin', page: 'webhooks', id: '' });
                }}
                onError={setError}
              />
            ))}
          </table>
          <p class="muted hook-count">
            {hooks.length} of at most {WEBHOOKS_LIMIT}.
          </p>
        </>
      )}
      {created ? (
        <ShownOnce
          id="hook-new-secret"
          title={`Webhook “${created.name}” added`}
          value={created.secret}
          note={SECRET_NOTE}
          what="secret"
          testId="webhook-secret"
          onDone={() => {
            refocus();
            setCreated(null);
          }}
        />
      ) : (
        <EndpointForm
          prefix="hook-new"
          title="New webhook"
          action="Add webhook"
          what="Adding the webhook"
          initial={EMPTY}
          urlInput={urlInput}
          onSave={(in_) =>
            createWebhook(in_).then((r) => {
              setError('');
              setHooks((l) => [...(l ?? []).filter((x) => x.id !== r.webhook.id), r.webhook]);
              setCreated({ name: nameOf(r.webhook), secret: r.secret });
            })
          }
        />
      )}
    </>
  );
}

type Asked = 'rotate' | 'delete';

/**
 * An endpoint's rows: the endpoint, then what was opened below it (its new
 * secret, its form, its delivery log), in a tbody of its own.
 */
function WebhookRows({ hook: w, open, onSaved, onDeleted, onError }: {
  hook: Webhook;
  /** Its delivery log is open (the route names it). */
  open: boolean;
  onSaved: (w: Webhook) => void;
  onDeleted: () => void;
  onError: (e: string) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState<Asked | ''>('');
  // What is under way: the answer to a dialog, a test event, a switch.
  const [busy, setBusy] = useState<Asked | ''>('');
  const [pinging, setPinging] = useState(false);
  const switching = useRef(false);
  const [ping, setPing] = useState<{ ok: boolean; text: string } | null>(null);
  const [secret, setSecret] = useState('');
  const editButton = useRef<HTMLButtonElement>(null);
  const rotateButton = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  // Where the focus goes once the rows show what changed: the control
  // pressed may have gone (a dialog, a form, a secret box closed).
  const [focus, setFocus] = useState<'edit' | 'rotate' | 'delete' | 'cancel' | null>(null);
  useEffect(() => {
    if (!focus) return;
    ({ edit: editButton, rotate: rotateButton, delete: deleteButton, cancel: cancelButton })[focus].current?.focus();
    setFocus(null);
  }, [focus]);
  // The log opened from its button keeps the focus there; opened by the
  // address (a link, a reload), its heading takes it.
  const toggled = useRef(false);
  const name = nameOf(w);

  const ask = (what: Asked) => {
    onError('');
    setConfirm(what);
    setFocus('cancel');
  };
  const cancel = () => {
    if (!confirm) return;
    setFocus(confirm);
    setConfirm('');
  };
  const toggle = () => {
    if (switching.current) return;
    switching.current = true;
    onError('');
    updateWebhook(w.id, { enabled: !w.enabled }).then(
      (u) => {
        switching.current = false;
        onSaved(u);
      },
      (err: unknown) => {
        switching.current = false;
        onError(errorText(err, `${w.enabled ? 'Disabling' : 'Enabling'} ${name}`));
      },
    );
  };
  const sendPing = () => {
    if (pinging) return;
    setPinging(true);
    setPing(null);
    pingWebhook(w.id).then(
      (r) => {
        setPinging(false);
        setPing(pingOutcome(r));
      },
      (err: unknown) => {
        setPinging(false);
        setPing({ ok: false, text: errorText(err, 'Sending the test event') });
      },
    );
  };
  const rotate = () => {
    if (busy) return;
    setBusy('rotate');
    rotateWebhookSecret(w.id).then(
      (s) => {
        setBusy('');
        setConfirm('');
        setSecret(s); // the box takes the focus
      },
      (err: unknown) => {
        setBusy('');
        onError(errorText(err, `Rotating the secret of ${name}`));
      },
    );
  };
  const remove = () => {
    if (busy) return;
    setBusy('delete');
    deleteWebhook(w.id).then(onDeleted, (err: unknown) => {
      // Deleted already (elsewhere): gone all the same.
      if (err instanceof ApiError && err.status === 404) return onDeleted();
      setBusy('');
      onError(errorText(err, `Deleting ${name}`));
    });
  };

  return (
    <tbody class={w.enabled ? 'hook' : 'hook off'}>
      <tr>
        <th scope="row" class="hook-url">
          {w.url}
          {w.description && <span class="muted block">{w.description}</span>}
        </th>
        <td title={eventsInOrder(w.events ?? []).join(', ')}>{eventsSummary(w.events)}</td>
        <td>
          <span class={w.enabled ? 'pill green' : 'pill'}>{w.enabled ? 'Enabled' : 'Disabled'}</span>
          {!w.enabled && w.disabled_reason && <span class="muted block">{w.disabled_reason}</span>}
          {w.failing_since && (
            <span class="block hook-failing">
              Failing since <time dateTime={w.failing_since}>{moment(w.failing_since)}</time>
            </span>
          )}
        </td>
        <td>
          {confirm ? (
            <div
              class="confirm"
              role="alertdialog"
              aria-label={confirm === 'delete' ? `Delete ${name}` : `Rotate the secret of ${name}`}
              aria-describedby={`hook-${confirm}-${w.id}`}
              onKeyDown={(e) => {
                if (e.key === 'Escape' && !busy) cancel();
              }}
            >
              {confirm === 'delete' ? (
                <p id={`hook-delete-${w.id}`}>Delete the webhook to {w.url}? Nothing more is sent to it, and its delivery log goes with it.</p>
              ) : (
                <p id={`hook-rotate-${w.id}`}>
                  Rotate the signing secret of “{name}”? The current secret stops at once: from now on every request is signed with the new one, so your endpoint must
                  check with it.
                </p>
              )}
              <button type="button" class="btn danger small" disabled={!!busy} onClick={confirm === 'delete' ? remove : rotate}>
                {confirm === 'delete' ? (busy ? 'Deleting…' : 'Delete') : busy ? 'Rotating…' : 'Rotate now'}
              </button>
              <button type="button" class="btn ghost small" ref={cancelButton} disabled={!!busy} onClick={cancel}>
                Cancel
              </button>
            </div>
          ) : (
            <>
              <div class="hook-actions">
                <button type="button" class="btn ghost small" aria-label={`${w.enabled ? 'Disable' : 'Enable'} ${name}`} onClick={toggle}>
                  {w.enabled ? 'Disable' : 'Enable'}
                </button>
                <button
                  type="button"
                  class="btn ghost small"
                  ref={editButton}
                  aria-label={`Edit ${name}`}
                  aria-expanded={editing}
                  onClick={() => {
                    onError('');
                    if (editing) setFocus('edit');
                    setEditing(!editing);
                  }}
                >
                  Edit
                </button>
                <button
                  type="button"
                  class="btn ghost small"
                  aria-label={`Deliveries of ${name}`}
                  aria-expanded={open}
                  aria-controls={open ? `hook-log-${w.id}` : undefined}
                  onClick={() => {
                    toggled.current = true;
                    go({ area: 'admin', page: 'webhooks', id: open ? '' : w.id });
                  }}
                >
                  Deliveries
                </button>
                <button type="button" class="btn ghost small" aria-label={`Send test event to ${name}`} onClick={sendPing}>
                  Send test event
                </button>
                <button type="button" class="btn ghost small" ref={rotateButton} aria-label={`Rotate secret of ${name}`} onClick={() => ask('rotate')}>
                  Rotate secret
                </button>
                <button type="button" class="btn ghost small danger-text" ref={deleteButton} aria-label={`Delete ${name}`} onClick={() => ask('delete')}>
                  Delete
                </button>
              </div>
              <p role="status" class={ping && !ping.ok ? 'hook-ping field-error' : 'hook-ping saved'}>
                {pinging ? 'Sending a test event…' : ping?.text}
              </p>
            </>
          )}
        </td>
      </tr>
      {secret && (
        <tr class="hook-more">
          <td colSpan={4}>
            <ShownOnce
              id={`hook-secret-${w.id}`}
              title={`New secret for “${name}”`}
              value={secret}
              note={SECRET_NOTE}
              what="secret"
              testId="webhook-secret"
              onDone={() => {
                setSecret('');
                setFocus('rotate');
              }}
            />
          </td>
        </tr>
      )}
      {editing && (
        <tr class="hook-more">
          <td colSpan={4}>
            <EndpointForm
              prefix={`hook-${w.id}`}
              title={`Edit “${name}”`}
              action="Save webhook"
              what="Saving the webhook"
              initial={{ url: w.url, description: w.description, events: w.events ?? [] }}
              focusFirst
              onSave={(in_) =>
                updateWebhook(w.id, in_).then((u) => {
                  onSaved(u);
                  setEditing(false);
                  setFocus('edit');
                })
              }
              onCancel={() => {
                setEditing(false);
                setFocus('edit');
              }}
            />
          </td>
        </tr>
      )}
      {open && (
        <tr class="hook-more">
          <td colSpan={4}>
            <DeliveryLog hook={w} focus={!toggled.current} />
          </td>
        </tr>
      )}
    </tbody>
  );
}


/**
 * The form of an endpoint, new or changed: its URL, description and
 * events. onSave sends it; refused, the server's error shows at its field.
 */
function EndpointForm(p: {
  /** The ids' prefix: one form of each endpoint may be open at once. */
  prefix: string;
  title: string;
  /** The submit button's label. */
  action: string;
  /** What a failure says failed ("Adding the webhook"). */
  what: string;
  initial: WebhookInput;
  urlInput?: { current: HTMLInputElement | null };
  /** Its URL field takes the focus when shown. */
  focusFirst?: boolean;
  onSave: (in_: WebhookInput) => Promise<void>;
  /** A way out (Cancel, Escape) for a form that was opened. */
  onCancel?: () => void;
}) {
  const { prefix } = p;
  const [url, setUrl] = useState(p.initial.url);
  const [description, setDescription] = useState(p.initial.description);
  const [events, setEvents] = useState<string[]>(p.initial.events);
  const [errors, setErrors] = useState<{ url?: string; description?: string; events?: string }>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const ownUrlInput = useRef<HTMLInputElement>(null);
  const urlInput = p.urlInput ?? ownUrlInput;
  const descriptionInput = useRef<HTMLInputElement>(null);
  const allBox = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (p.focusFirst) urlInput.current?.focus();
  }, []);
  const all = WEBHOOK_EVENTS.every((e) => events.includes(e));
  const some = WEBHOOK_EVENTS.some((e) => events.includes(e));
  const tick = (list: readonly string[], on: boolean) =>
    setEvents((cur) => (on ? [...cur, ...list.filter((e) => !cur.includes(e))] : cur.filter((e) => !list.includes(e))));
  const submit = (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const found = {
      url: urlProblem(url) || undefined,
      description: descriptionProblem(description) || undefined,
      events: events.length ? undefined : NO_EVENT,
    };
    setErrors(found);
    setFormError('');
    if (found.url) return urlInput.current?.focus();
    if (found.description) return descriptionInput.current?.focus();
    if (found.events) return allBox.current?.focus();
    setBusy(true);
    p.onSave({ url: url.trim(), description: description.trim(), events: eventsInOrder(events) }).then(
      () => setBusy(false),
      (err: unknown) => {
        setBusy(false);
        const text = errorText(err, p.what);
        const code = err instanceof ApiError ? err.code : '';
        const field = err instanceof ApiError ? err.field.split(/[.[]/)[0] : '';
        // url_not_allowed: the URL points at a private or local address.
        if (field === 'url' || code === 'invalid_url' || code === 'url_not_allowed') {
          setErrors({ url: text });
          urlInput.current?.focus();
        } else if (field === 'description') {
          setErrors({ description: text });
          descriptionInput.current?.focus();
        } else if (field === 'events' || code === 'invalid_event') {
          setErrors({ events: text });
          allBox.current?.focus();
        } else if (code === 'too_many_webhooks')
          setFormError(`The workspace already has ${WEBHOOKS_LIMIT} webhooks, the most it may have: delete one it no longer needs first.`);
        else setFormError(text);
      },
    );
  };
  const described = (id: string, error?: string) => [`${id}-help`, error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <form
      class="prefs-form admin-new hook-form"
      onSubmit={submit}
      noValidate
      aria-labelledby={`${prefix}-title`}
      onKeyDown={(e) => {
        if (p.onCancel && e.key === 'Escape' && !busy) p.onCancel();
      }}
    >
      <h3 id={`${prefix}-title`}>{p.title}</h3>
      <Field
        id={`${prefix}-url`}
        label="URL"
        help="Where Live Desk POSTs the events: an https:// URL at a public address, e.g. https://example.com/hooks/livedesk. Plain http and private or local addresses are refused unless this server allows them."
        error={errors.url}
      >
        <input
          id={`${prefix}-url`}
          ref={urlInput}
          type="url"
          required
          value={url}
          autoComplete="off"
          spellcheck={false}
          aria-invalid={errors.url ? true : undefined}
          aria-describedby={described(`${prefix}-url`, errors.url)}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
      </Field>
      <Field
        id={`${prefix}-description`}
        label="Description"
        help={`Optional: what receives the events, e.g. “CRM sync”. At most ${WEBHOOK_DESCRIPTION_LIMIT} characters.`}
        error={errors.description}
      >
        <input
          id={`${prefix}-description`}
          ref={descriptionInput}
          value={description}
          autoComplete="off"
          aria-invalid={errors.description ? true : undefined}
          aria-describedby={described(`${prefix}-description`, errors.description)}
          onInput={(e) => setDescription(e.currentTarget.value)}
        />
      </Field>
      <fieldset class={errors.events ? 'hook-events invalid' : 'hook-events'} aria-describedby={described(`${prefix}-events`, errors.events)}>
        <legend class="pref-label">Events</legend>
        <p class="pref-help muted" id={`${prefix}-events-help`}>
          What is sent to this URL (docs/api.md lists each event’s data).
        </p>
        <label class="check hook-all">
          <input type="checkbox" ref={allBox} checked={all} indeterminate={some && !all} onChange={(e) => tick(WEBHOOK_EVENTS, e.currentTarget.checked)} />
          All events
        </label>
        <div class="hook-groups">
          {WEBHOOK_EVENT_GROUPS.map((g) => (
            <fieldset class="hook-group" key={g.label}>
              <legend>{g.label}</legend>
              {g.events.map((ev) => (
                <label class="check" key={ev}>
                  <input type="checkbox" checked={events.includes(ev)} onChange={(e) => tick([ev], e.currentTarget.checked)} />
                  <code>{ev}</code>
                </label>
              ))}
            </fieldset>
          ))}
        </div>
        {errors.events && (
          <p class="field-error" id={`${prefix}-events-error`} role="alert">
            {errors.events}
          </p>
        )}
      </fieldset>
      <FormError text={formError} />
      <SubmitRow label={p.action} busy={busy} onCancel={p.onCancel} />
    </form>
  );
}

/**
 * An endpoint's delivery log: each event sent to it, newest first, a page
 * at a time, with a way to send one again.
 */
function DeliveryLog({ hook: w, focus }: { hook: Webhook; focus: boolean }) {
  const [items, setItems] = useState<WebhookDelivery[] | null>(null);
  const [next, setNext] = useState('');
  const [error, setError] = useState('');
  const loading = useRef(false);
  const title = useRef<HTMLHeadingElement>(null);
  const body = useRef<HTMLTableSectionElement>(null);
  // "Load older" gone (nothing older): the focus goes to the first row it
  // added, at this index.
  const [olderAt, setOlderAt] = useState(-1);
  useEffect(() => {
    if (olderAt < 0) return;
    body.current?.querySelectorAll<HTMLElement>(':scope > tr > th')[olderAt]?.focus();
  }, [olderAt]);
  const load = (before = '') => {
    if (loading.current) return;
    loading.current = true;
    const from = before ? (items?.length ?? 0) : -1;
    listDeliveries(w.id, before).then(
      (page) => {
        loading.current = false;
        setItems((cur) => (before && cur ? [...cur, ...page.items.filter((d) => !cur.some((c) => c.event_id === d.event_id))] : page.items));
        setNext(page.next);
        setError('');
        setOlderAt(before && !page.next ? from : -1);
      },
      (err: unknown) => {
        loading.current = false;
        setError(errorText(err, before ? 'Loading older deliveries' : 'Loading the deliveries'));
      },
    );
  };
  useEffect(() => {
    load();
    if (focus) title.current?.focus();
  }, [w.id]);
  const replace = (d: WebhookDelivery) => setItems((l) => (l ?? []).map((x) => (x.event_id === d.event_id ? d : x)));
  return (
    <div class="hook-log" id={`hook-log-${w.id}`} role="region" aria-labelledby={`hook-log-title-${w.id}`}>
      <div class="hook-log-head">
        <h3 id={`hook-log-title-${w.id}`} ref={title} tabIndex={-1}>
          Deliveries<span class="sr-only"> to {nameOf(w)}</span>
        </h3>
        <button type="button" class="btn ghost small" onClick={() => load()}>
          Refresh
        </button>
      </div>
      <p class="muted hook-log-help">
        Each event sent to this URL, newest first. One not answered with a 2xx is tried again later; Redeliver sends one again, as it was.
      </p>
      <FormError text={error} />
      {items && items.length === 0 && <p class="muted">No deliveries yet.</p>}
      {items && items.length > 0 && (
        <table class="admin-table hook-log-table">
          <caption class="sr-only">Deliveries to {nameOf(w)}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Time</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Response</th>
              <th scope="col">Duration</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody ref={body}>
            {items.map((d, i) => (
              <DeliveryRow key={d.event_id} hookId={w.id} delivery={d} focusable={i === olderAt} onChanged={replace} onError={setError} />
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" class="btn secondary small" onClick={() => load(next)}>
          Load older
        </button>
      )}
    </div>
  );
}

function DeliveryRow({ hookId, delivery: d, focusable, onChanged, onError }: {
  hookId: string;
  delivery: WebhookDelivery;
  /** The row takes the focus from a control that went ("Load older"). */
  focusable: boolean;
  onChanged: (d: WebhookDelivery) => void;
  onError: (e: string) => void;
}) {
  const busy = useRef(false);
  const stateCell = useRef<HTMLTableCellElement>(null);
  // Sent again: the button goes (queued), and the focus to the new state.
  const sent = useRef(false);
  useEffect(() => {
    if (!sent.current) return;
    sent.current = false;
    if (!canRedeliver(d)) stateCell.current?.focus();
  }, [d]);
  const again = () => {
    if (busy.current) return;
    busy.current = true;
    onError('');
    redeliver(hookId, d.event_id).then(
      (q) => {
        busy.current = false;
        sent.current = true;
        onChanged(q);
      },
      (err: unknown) => {
        busy.current = false;
        onError(errorText(err, `Redelivering ${d.type}`));
      },
    );
  };
  const when = instant(d.created_at);
  return (
    <tr>
      <th scope="row" tabIndex={focusable ? -1 : undefined}>
        <code>{d.type}</code>
        {d.subject && <span class="muted block hook-subject">{d.subject}</span>}
      </th>
      <td class="nowrap">
        <time dateTime={d.created_at}>{when}</time>
      </td>
      <td ref={stateCell} tabIndex={d.state === 'queued' ? -1 : undefined}>
        <span class={`hook-state ${d.state}`}>{DELIVERY_STATE[d.state] ?? d.state}</span>
        {d.state === 'queued' && d.next_attempt_at && (
          <span class="muted block">
            next try <time dateTime={d.next_attempt_at}>{instant(d.next_attempt_at)}</time>
          </span>
        )}
      </td>
      <td>{d.attempts}</td>
      <td class="hook-response">{responseText(d)}</td>
      <td class="nowrap">{d.attempts > 0 ? durationText(d.last_duration_ms) : ''}</td>
      <td>
        {canRedeliver(d) && (
          <button type="button" class="btn ghost small" aria-label={`Redeliver ${d.type} of ${when}`} onClick={again}>
            Redeliver
          </button>
        )}
      </td>
    </tr>
  );
}
