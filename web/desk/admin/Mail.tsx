import { useEffect, useState } from 'preact/hooks';
import { ApiError, call } from '../api';
import { errorText, Field, FormError, SubmitRow } from './form';

/** The workspace's mail server as the API shows it (docs/api.md, workspace/mail): never its password. */
export interface MailSettings {
  configured: boolean;
  host?: string;
  port?: number;
  security?: 'starttls' | 'tls' | 'none';
  username?: string;
  password_set: boolean;
  from_address?: string;
  from_name?: string;
}

export const getMail = () => call<MailSettings>('GET', '/workspace/mail');
const putMail = (body: Record<string, unknown>) => call<MailSettings>('PUT', '/workspace/mail', body);
const deleteMail = () => call<void>('DELETE', '/workspace/mail');
const testMail = (to: string) => call<void>('POST', '/workspace/mail/test', { to });

const PORTS = { starttls: 587, tls: 465, none: 25 } as const;
/** The server's limit on from_name, in characters (docs/api.md). */
const MAX_FROM_NAME = 100;

/**
 * E-mail: the SMTP server through which answers to tickets reach visitors
 * who left an address. The password is write-only: blank keeps the stored one.
 */
export function Mail({ editable }: { editable: boolean }) {
  const [cur, setCur] = useState<MailSettings | null>(null);
  const [host, setHost] = useState('');
  const [port, setPort] = useState(587);
  const [security, setSecurity] = useState<'starttls' | 'tls' | 'none'>('starttls');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [from, setFrom] = useState('');
  const [fromName, setFromName] = useState('');
  const [to, setTo] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState('');
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);

  const fill = (m: MailSettings) => {
    setCur(m);
    if (!m.configured) return;
    setHost(m.host ?? '');
    setPort(m.port ?? 587);
    setSecurity(m.security ?? 'starttls');
    setUsername(m.username ?? '');
    setFrom(m.from_address ?? '');
    setFromName(m.from_name ?? '');
  };
  useEffect(() => {
    getMail()
      .then(fill)
      .catch((err: unknown) => setFormError(errorText(err, 'Loading the mail settings')));
  }, []);

  const fail = (err: unknown, what: string) => {
    if (err instanceof ApiError && err.field) setErrors({ [err.field]: err.message });
    else setFormError(errorText(err, what));
  };
  const save = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setFormError('');
    setDone('');
    const body: Record<string, unknown> = { host: host.trim(), port, security, username, from_address: from.trim(), from_name: fromName };
    if (password) body.password = password;
    putMail(body)
      .then((m) => {
        fill(m);
        setPassword('');
        setDone('Saved');
      })
      .catch((err: unknown) => fail(err, 'Saving the mail server'))
      .finally(() => setBusy(false));
  };
  const test = () => {
    setDone('');
    setFormError('');
    testMail(to.trim())
      .then(() => setDone(`Sent a test message to ${to.trim()}`))
      .catch((err: unknown) => fail(err, 'The test message'));
  };
  const remove = () => {
    if (!confirm('Remove the mail server? Answers to tickets will reach visitors in the widget only.')) return;
    deleteMail()
      .then(() => {
        setCur({ configured: false, password_set: false });
        setDone('Removed');
      })
      .catch((err: unknown) => fail(err, 'Removing the mail server'));
  };

  if (!cur) return <p class="boot">{formError || 'Loading…'}</p>;
  return (
    <section aria-labelledby="mail-title">
      <h2 id="mail-title">E-mail</h2>
      <p class="muted">
        An agent's answer to a ticket also goes by e-mail to a visitor who left an address, through your own mail server. Without one,
        answers wait for the visitor in the widget.
      </p>
      <p class={cur.configured ? 'notice' : 'notice warn'} role="status">
        {cur.configured ? `Answers are sent from ${cur.from_address}.` : 'No mail server is set: answers reach visitors in the widget only.'}
      </p>
      <form class="prefs" onSubmit={save} noValidate>
        <fieldset disabled={!editable}>
          <Field id="mail-host" label="Server" help="Your SMTP server's name, e.g. smtp.example.com" error={errors.host}>
            <input id="mail-host" value={host} onInput={(e) => setHost(e.currentTarget.value)} autoComplete="off" />
          </Field>
          <Field id="mail-security" label="Security" error={errors.security}>
            <select
              id="mail-security"
              value={security}
              onChange={(e) => {
                const v = e.currentTarget.value as keyof typeof PORTS;
                setSecurity(v);
                setPort(PORTS[v]);
              }}
            >
              <option value="starttls">STARTTLS (port 587)</option>
              <option value="tls">TLS (port 465)</option>
              <option value="none">None: a relay on your own network</option>
            </select>
          </Field>
          <Field id="mail-port" label="Port" error={errors.port}>
            <input id="mail-port" type="number" min={1} max={65535} value={port} onInput={(e) => setPort(Number(e.currentTarget.value))} />
          </Field>
          <Field id="mail-user" label="Username" error={errors.username}>
            <input id="mail-user" value={username} onInput={(e) => setUsername(e.currentTarget.value)} autoComplete="off" />
          </Field>
          <Field id="mail-password" label="Password" help={cur.password_set ? 'Stored. Leave blank to keep it.' : undefined} error={errors.password}>
            <input id="mail-password" type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autoComplete="new-password" />
          </Field>
          <Field id="mail-from" label="From address" help="The address answers come from, e.g. help@example.com" error={errors.from_address}>
            <input id="mail-from" type="email" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
          </Field>
          <Field id="mail-from-name" label="From name" error={errors.from_name}>
            <input id="mail-from-name" value={fromName} maxLength={MAX_FROM_NAME} onInput={(e) => setFromName(e.currentTarget.value)} />
          </Field>
        </fieldset>
        <FormError text={formError} />
        {editable && <SubmitRow label="Save mail server" busy={busy} done={done} />}
      </form>
      {editable && cur.configured && (
        <div class="inline-form">
          <label for="mail-test" class="sr-only">
            Send a test message to
          </label>
          <input id="mail-test" type="email" placeholder="you@example.com" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
          <button type="button" class="btn" disabled={!to.trim()} onClick={test}>
            Send a test message
          </button>
          <button type="button" class="btn ghost danger" onClick={remove}>
            Remove the server
          </button>
        </div>
      )}
      {errors.to && (
        <p class="field-error" role="alert">
          {errors.to}
        </p>
      )}
    </section>
  );
}
