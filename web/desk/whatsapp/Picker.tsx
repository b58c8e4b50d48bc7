import { useEffect, useRef, useState } from 'preact/hooks';
import { newId } from '../../shared/ids';
import type { Conversation } from '../../shared/protocol';
import type { Outgoing } from '../../shared/session';
import { ApiError } from '../api';
import { type Contact, getContact } from '../contacts/api';
import { MANAGE_ANY, MANAGE_WORKSPACE } from '../permissions';
import type { DeskStore } from '../store';
import { listTemplates, sendTemplate, type WhatsAppTemplate } from './api';
import { type Known, missing, paramsOf, parts, prefill, sendable, sendProblem } from './whatsapp';

/** A refused text, as the picker quotes it. */
const quote = (s: string) => (s.length > 80 ? `${s.slice(0, 79)}…` : s);

/**
 * Picker replaces the reply box once the customer's 24-hour window has
 * closed: WhatsApp then takes only a template Meta approved. The agent
 * picks one of the number's approved templates, fills its variables (some
 * prefilled from the chat: whatsapp.ts prefill), reads the preview and
 * sends it. refused: texts the server turned down for the window.
 */
export function Picker({ store, c, to, refused, onStale }: {
  store: DeskStore;
  c: Conversation;
  /** The customer's WhatsApp number, for {{phone}}. */
  to: string;
  refused: Outgoing[];
  /** The chat's WhatsApp state is out of date (the number was disconnected): read it again. */
  onStale: () => void;
}) {
  const [all, setAll] = useState<WhatsAppTemplate[] | null>(null);
  const [loadError, setLoadError] = useState('');
  // The chat's contact, for the names it gives (undefined: still reading).
  const [contact, setContact] = useState<Contact | null | undefined>(c.contact_id ? undefined : null);
  const [chosen, setChosen] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  // One id per template and values: a send tried again after a lost answer is stored once.
  const msgId = useRef('');

  const load = () =>
    listTemplates(c.site_id).then(
      (l) => {
        setAll(l);
        setLoadError('');
      },
      (err: unknown) => setLoadError(err instanceof ApiError && err.status < 500 && err.status > 0 ? err.message : 'The templates cannot be loaded now.'),
    );
  useEffect(() => {
    void load();
    if (c.contact_id) getContact(c.contact_id).then((p) => setContact(p.contact), () => setContact(null));
  }, [c.id]);

  const list = sendable(all ?? []);
  const t = list.find((x) => x.id === chosen);
  const params = t ? paramsOf(t) : [];
  const v = store.visitors.value.get(c.visitor_id) ?? store.details.value.get(c.visitor_id)?.visitor;
  const known: Known = { name: contact?.name || v?.name, email: contact?.email || v?.email, phone: to || contact?.phone, agent: store.me.value?.name };

  const choose = (id: string) => {
    const next = list.find((x) => x.id === id);
    setChosen(id);
    setValues(next ? prefill(paramsOf(next), known) : {});
    setErrors({});
    setFormError('');
    setSent('');
    msgId.current = '';
  };
  // The only template there is: chosen already, once the names are read.
  useEffect(() => {
    if (!chosen && list.length === 1 && contact !== undefined) choose(list[0].id);
  }, [list.length, contact]);

  const edit = (p: string, value: string) => {
    setValues((cur) => ({ ...cur, [p]: value }));
    setErrors((cur) => {
      const next = { ...cur };
      delete next[p];
      return next;
    });
    setSent('');
    msgId.current = '';
  };
  const focusParam = (p: string) => form.current?.querySelector<HTMLInputElement>(`#wa-param-${params.indexOf(p)}`)?.focus();

  const submit = (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setFormError('');
    setSent('');
    if (!t) {
      setErrors({ '': 'Choose the template to send.' });
      form.current?.querySelector<HTMLSelectElement>('#wa-template')?.focus();
      return;
    }
    const left = missing(params, values);
    if (left.length > 0) {
      setErrors(Object.fromEntries(left.map((p) => [p, `Fill in {{${p}}}: the template is not sent without it.`])));
      focusParam(left[0]);
      return;
    }
    setErrors({});
    setBusy(true);
    msgId.current ||= newId();
    // As a reply would: answering a live chat nobody has taken takes it.
    if (c.status === 'open' && !c.assignee_id) void store.pickUp(c.id).catch(() => undefined);
    const filled = Object.fromEntries(params.map((p) => [p, values[p].trim()]));
    sendTemplate(c.id, { client_msg_id: msgId.current, template_id: t.id, params: filled }).then(
      () => {
        // The message arrives in the history as every desk's does (the socket).
        // Nothing stays chosen: a second send is a choice of its own.
        msgId.current = '';
        setBusy(false);
        setChosen('');
        setValues({});
        setSent(`“${t.name}” sent.`);
        // The field Enter was pressed in goes with the template: the focus stays in the picker.
        if (!form.current?.contains(document.activeElement) || document.activeElement?.tagName === 'INPUT') {
          form.current?.querySelector<HTMLSelectElement>('#wa-template')?.focus();
        }
      },
      (err: unknown) => {
        setBusy(false);
        const p = sendProblem(err);
        if (p.param && params.includes(p.param)) {
          setErrors({ [p.param]: p.text });
          focusParam(p.param);
        } else setFormError(p.text);
        if (p.reload) void load();
        if (err instanceof ApiError && err.code === 'whatsapp_not_connected') onStale();
      },
    );
  };

  const owner = c.assignee_id && c.assignee_id !== (store.me.value?.id ?? store.agentId) && !store.can(MANAGE_ANY) ? (store.agentName(c.assignee_id) ?? 'another agent') : '';
  const admin = store.can(MANAGE_WORKSPACE);
  const waiting = (all ?? []).filter((x) => x.status === 'PENDING' || x.status === 'IN_APPEAL').length;

  return (
    <form class="wa-picker" ref={form} onSubmit={submit} noValidate aria-labelledby="wa-picker-title" aria-describedby="wa-picker-why">
      <h2 id="wa-picker-title">Send a WhatsApp template</h2>
      <p id="wa-picker-why" class="wa-why">
        More than 24 hours since the customer’s last message: WhatsApp allows only an approved template. Once they answer, you can write freely again.
      </p>
      {refused.map((o) => (
        <p key={o.client_msg_id} class="wa-refused">
          Your reply “{quote(o.text)}” was not sent: the window had closed.{' '}
          <button type="button" class="link" onClick={() => store.discard(o.client_msg_id)}>
            Remove it
          </button>
        </p>
      ))}
      {loadError ? (
        <p class="form-error" role="alert">
          {loadError}{' '}
          <button type="button" class="link" onClick={() => void load()}>
            Try again
          </button>
        </p>
      ) : all === null || contact === undefined ? (
        <p class="muted">Loading the templates…</p>
      ) : list.length === 0 ? (
        <p class="wa-none">
          This number has no approved template{waiting > 0 ? ` (${waiting} waiting for Meta’s review)` : ''}, so nothing can be sent until the customer writes.{' '}
          {admin ? (
            <>
              Templates are made in Meta’s WhatsApp Manager; then <a href="#/admin/whatsapp">Settings → WhatsApp</a> → Sync templates brings them here.
            </>
          ) : (
            'An owner or admin brings them here in Settings → WhatsApp → Sync templates.'
          )}
        </p>
      ) : (
        <>
          <div class={errors[''] ? 'wa-field invalid' : 'wa-field'}>
            <label for="wa-template">Template</label>
            <select
              id="wa-template"
              value={chosen}
              aria-invalid={errors[''] ? true : undefined}
              aria-describedby={errors[''] ? 'wa-template-error' : undefined}
              onChange={(e) => choose(e.currentTarget.value)}
            >
              <option value="">Choose a template…</option>
              {list.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name} ({x.language}, {x.category.toLowerCase()})
                </option>
              ))}
            </select>
            {errors[''] && (
              <p class="field-error" id="wa-template-error" role="alert">
                {errors['']}
              </p>
            )}
          </div>
          {t && params.length > 0 && (
            <fieldset class="wa-params">
              <legend>Values</legend>
              {params.map((p, i) => {
                const id = `wa-param-${i}`;
                const example = t.examples?.[i];
                const described = [example ? `${id}-help` : '', errors[p] ? `${id}-error` : ''].filter(Boolean).join(' ');
                return (
                  <div key={p} class={errors[p] ? 'wa-field invalid' : 'wa-field'}>
                    <label for={id}>{`{{${p}}}`}</label>
                    <input
                      id={id}
                      value={values[p] ?? ''}
                      autoComplete="off"
                      aria-invalid={errors[p] ? true : undefined}
                      aria-describedby={described || undefined}
                      onInput={(e) => edit(p, e.currentTarget.value)}
                    />
                    {example && (
                      <span class="wa-help" id={`${id}-help`}>
                        e.g. {example}
                      </span>
                    )}
                    {errors[p] && (
                      <p class="field-error" id={`${id}-error`} role="alert">
                        {errors[p]}
                      </p>
                    )}
                  </div>
                );
              })}
            </fieldset>
          )}
          {t && <Preview t={t} values={values} />}
          {formError && (
            <p class="form-error" role="alert">
              {formError}
            </p>
          )}
          {owner && !confirmed ? (
            <div class="wa-guard" role="note">
              <span>
                This chat is assigned to <strong>{owner}</strong>. Your template would go to their customer.
              </span>
              <button type="button" class="btn secondary small" onClick={() => setConfirmed(true)}>
                Send anyway
              </button>
            </div>
          ) : (
            <div class="wa-send">
              <button type="submit" class="btn primary" disabled={busy}>
                {busy ? 'Sending…' : 'Send template'}
              </button>
              <span class="saved" role="status">
                {sent}
              </span>
            </div>
          )}
        </>
      )}
    </form>
  );
}

/** The template as the customer will read it; a variable still empty is marked where it stands. */
function Preview({ t, values }: { t: WhatsAppTemplate; values: Record<string, string> }) {
  const text = (s: string) =>
    parts(s, values).map((p, i) =>
      typeof p === 'string' ? (
        p
      ) : p.value ? (
        <span key={i} class="wa-value">
          {p.value}
        </span>
      ) : (
        <mark key={i} class="wa-missing">
          {`{{${p.param}}}`}
          <span class="sr-only"> (not filled in)</span>
        </mark>
      ),
    );
  return (
    <figure class="wa-preview">
      <figcaption>Preview</figcaption>
      <div class="wa-bubble">
        {t.header && <p class="wa-header">{text(t.header)}</p>}
        <p>{text(t.body)}</p>
        {t.footer && <p class="wa-footer">{text(t.footer)}</p>}
      </div>
    </figure>
  );
}
