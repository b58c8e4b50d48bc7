import { useEffect, useState } from 'preact/hooks';
import type { Department } from '../api';
import { go, href } from '../router';
import {
  type BusinessHours,
  createSite,
  deleteSite,
  identitySecret,
  MAX_NAME,
  listSites,
  lookInput,
  originsFrom,
  type RefusedOrigin,
  refusedOrigins,
  rotateIdentitySecret,
  rotateKey,
  type SiteLook,
  type SiteRecord,
  snippet,
  updateSite,
} from './api';
import { errorText, Field, FormError, SubmitRow } from './form';
import { Hours } from './Hours';
import { LookFields } from './Look';
import { TextFields } from './Texts';

/** Sites: the list, a form to add one, and the chosen site's settings. */
export function Sites({ id, editable, departments }: { id: string; editable: boolean; departments: Department[] }) {
  const [sites, setSites] = useState<SiteRecord[] | null>(null);
  const [loadError, setLoadError] = useState('');
  const reload = () =>
    listSites()
      .then(setSites)
      .catch((err: unknown) => setLoadError(errorText(err, 'Loading the sites')));
  useEffect(() => void reload(), []);

  const current = sites?.find((s) => s.id === id);
  const replace = (s: SiteRecord) => setSites((list) => (list ?? []).map((x) => (x.id === s.id ? s : x)));
  return (
    <section aria-labelledby="sites-title">
      <h2 id="sites-title">Sites</h2>
      <p class="muted">Each site is one web property with its own widget key, allowed origins and opening hours.</p>
      <FormError text={loadError} />
      {sites && (
        <ul class="admin-list" aria-label="Sites">
          {sites.map((s) => (
            <li key={s.id}>
              <a href={`#/admin/sites/${encodeURIComponent(s.id)}`} class={s.id === id ? 'on' : ''} aria-current={s.id === id ? 'page' : undefined}>
                <strong>{s.name}</strong>
                <span class="muted">
                  {s.channel === 'whatsapp' ? 'WhatsApp number' : (s.allowed_origins ?? []).length === 0 ? 'any origin' : (s.allowed_origins ?? []).join(', ')}
                </span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {editable && <NewSite onCreated={(s) => { setSites((l) => [...(l ?? []), s]); go({ area: 'admin', page: 'sites', id: s.id }); }} />}
      {id && sites && !current && <p class="notice">That site no longer exists.</p>}
      {current && (
        <SiteSettings
          key={current.id}
          site={current}
          editable={editable}
          departments={departments}
          onSaved={replace}
          onDeleted={() => {
            setSites((l) => (l ?? []).filter((x) => x.id !== current.id));
            go({ area: 'admin', page: 'sites', id: '' });
          }}
        />
      )}
    </section>
  );
}

function NewSite({ onCreated }: { onCreated: (s: SiteRecord) => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return setError('Give the site a name.');
    setBusy(true);
    createSite({ name: name.trim() })
      .then((s) => {
        setName('');
        setError('');
        onCreated(s);
      })
      .catch((err: unknown) => setError(errorText(err, 'Adding the site')))
      .finally(() => setBusy(false));
  };
  return (
    <form class="inline-form" onSubmit={submit} noValidate>
      <label for="new-site" class="sr-only">
        New site name
      </label>
      <input id="new-site" placeholder="New site name, e.g. Shop" value={name} maxLength={MAX_NAME} onInput={(e) => setName(e.currentTarget.value)} />
      <button type="submit" class="btn primary" disabled={busy}>
        Add site
      </button>
      <FormError text={error} />
    </form>
  );
}

function SiteSettings({ site, editable, departments, onSaved, onDeleted }: {
  site: SiteRecord;
  editable: boolean;
  departments: Department[];
  onSaved: (s: SiteRecord) => void;
  onDeleted: () => void;
}) {
  const [name, setName] = useState(site.name);
  const [origins, setOrigins] = useState((site.allowed_origins ?? []).join('\n'));
  const [dept, setDept] = useState(site.default_department_id ?? '');
  const [hours, setHours] = useState<BusinessHours>(site.business_hours);
  const [look, setLook] = useState<SiteLook>(site.look);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState('');
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const [secret, setSecret] = useState('');
  const [confirmRotate, setConfirmRotate] = useState(false);
  const [confirmSecret, setConfirmSecret] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [refused, setRefused] = useState<RefusedOrigin[]>([]);
  const code = snippet(location.origin, site.widget_key);
  useEffect(() => {
    if (!editable) return;
    refusedOrigins(site.id)
      .then(setRefused)
      .catch(() => undefined);
  }, [site.id, site.allowed_origins]);
  const listed = originsFrom(origins);

  const fail = (what: string) => (err: unknown) => {
    const field = (err as { field?: string }).field ?? '';
    // Keyed by the top field (what most inputs show) and by the full one
    // ("look.color", "business_hours.closed_days") for the inputs that
    // show their own.
    const text = errorText(err, what);
    if (field) setErrors({ [field.split('.')[0].split('[')[0]]: text, [field]: text });
    else setFormError(errorText(err, what));
  };
  const save = (e: Event) => {
    e.preventDefault();
    setErrors({});
    setFormError('');
    setSaved(false);
    if (!name.trim()) return setErrors({ name: 'The site needs a name.' });
    setBusy(true);
    updateSite(site.id, { name: name.trim(), allowed_origins: originsFrom(origins), default_department_id: dept, business_hours: hours, look: lookInput(look) })
      .then((s) => {
        onSaved(s);
        setSaved(true);
      })
      .catch(fail('Saving the site'))
      .finally(() => setBusy(false));
  };
  const copy = () =>
    void navigator.clipboard
      ?.writeText(code)
      .then(() => setCopied(true))
      .catch(() => undefined);

  return (
    <div class="admin-detail" aria-labelledby="site-title">
      <h3 id="site-title">{site.name}</h3>
      {site.channel === 'whatsapp' ? (
        <div class="field">
          <span class="pref-label">WhatsApp number</span>
          <p class="pref-help muted">
            Its chats come from WhatsApp, not from a widget: there is nothing to install. The number’s connection, webhook and templates are in{' '}
            <a href={href({ area: 'admin', page: 'whatsapp', id: '' })}>Settings → WhatsApp</a>; its hours, department and out-of-hours texts are set here.
          </p>
        </div>
      ) : (
        <>
          <div class="field">
            <span class="pref-label">Install snippet</span>
            <p class="pref-help muted">Paste it before &lt;/body&gt; on every page of the site.</p>
            <div class="snippet">
              <code data-testid="snippet">{code}</code>
              <button type="button" class="btn" onClick={copy}>
                {copied ? 'Copied' : 'Copy'}
              </button>
            </div>
          </div>
          <div class="field">
            <span class="pref-label">Widget key</span>
            <div class="snippet">
              <code>{site.widget_key}</code>
              {editable && !confirmRotate && (
                <button type="button" class="btn" onClick={() => setConfirmRotate(true)}>
                  Rotate key
                </button>
              )}
            </div>
            {confirmRotate && (
              <div class="confirm" role="alertdialog" aria-label="Rotate the widget key">
                <p>The current key stops working at once: widgets on pages with the old snippet cannot start new chats until the snippet is updated.</p>
                <button type="button" class="btn danger" onClick={() => void rotateKey(site.id).then(onSaved).catch(fail('Rotating the key')).finally(() => setConfirmRotate(false))}>
                  Rotate now
                </button>
                <button type="button" class="btn ghost" onClick={() => setConfirmRotate(false)}>
                  Cancel
                </button>
              </div>
            )}
          </div>
        </>
      )}
      {editable && (
        <div class="field">
          <span class="pref-label">Identity verification secret</span>
          <p class="pref-help muted">Your back end signs a signed-in customer's id with it (HMAC-SHA256), so the desk can trust who they are.</p>
          <div class="snippet">
            {secret ? (
              <code class="secret">{secret}</code>
            ) : site.identity_secret_shown ? (
              <span class="muted">Shown once already. Rotate it to get a new one.</span>
            ) : (
              <button
                type="button"
                class="btn"
                onClick={() =>
                  void identitySecret(site.id)
                    .then(setSecret)
                    .catch(fail('Reading the secret'))
                    .finally(() => onSaved({ ...site, identity_secret_shown: true }))
                }
              >
                Reveal secret (once)
              </button>
            )}
            {!confirmSecret && (
              <button type="button" class="btn" onClick={() => setConfirmSecret(true)}>
                Rotate secret
              </button>
            )}
          </div>
          {secret && <p class="pref-help">Copy it now: it is not shown again.</p>}
          {confirmSecret && (
            <div class="confirm" role="alertdialog" aria-label="Rotate the identity secret">
              <p>Signed-in customers stop being verified until your back end signs with the new secret.</p>
              <button
                type="button"
                class="btn danger"
                onClick={() =>
                  void rotateIdentitySecret(site.id)
                    .then((fresh) => {
                      setSecret(fresh);
                      onSaved({ ...site, identity_secret_shown: true });
                    })
                    .catch(fail('Rotating the secret'))
                    .finally(() => setConfirmSecret(false))
                }
              >
                Rotate now
              </button>
              <button type="button" class="btn ghost" onClick={() => setConfirmSecret(false)}>
                Cancel
              </button>
            </div>
          )}
        </div>
      )}
      <form class="prefs-form" onSubmit={save} noValidate>
        <Field id="site-name" label="Name" error={errors.name}>
          <input id="site-name" value={name} maxLength={MAX_NAME} disabled={!editable} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        {/* A WhatsApp number's chats come from no web page. */}
        {site.channel !== 'whatsapp' && (
          <>
            <Field
              id="site-origins"
              label="Allowed origins"
              help="One per line, e.g. https://shop.example. The widget only starts on these pages; leave empty to allow any origin."
              error={errors.allowed_origins}
            >
              <textarea id="site-origins" rows={3} value={origins} disabled={!editable} onInput={(e) => setOrigins(e.currentTarget.value)} />
            </Field>
            {refused.length > 0 && (
              <div class="refused" role="region" aria-label="Recently refused origins">
                <p class="pref-help">
                  <strong>The widget was refused on these pages lately</strong> (their origin is not allowed). Add the ones that are yours, then save.
                </p>
                <ul>
                  {refused.map((o) => (
                    <li key={o.origin}>
                      <code>{o.origin}</code>
                      <span class="muted">
                        {o.count}× · last {new Date(o.last_seen).toLocaleString()}
                      </span>
                      {!listed.includes(o.origin) && (
                        <button type="button" class="btn ghost" onClick={() => setOrigins([...listed, o.origin].join('\n'))}>
                          Allow
                        </button>
                      )}
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </>
        )}
        <Field id="site-dept" label="Default department" help="New chats from this site go to this department's queue." error={errors.default_department_id}>
          <select id="site-dept" value={dept} disabled={!editable} onChange={(e) => setDept(e.currentTarget.value)}>
            <option value="">None (whole team)</option>
            {departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </Field>
        <Hours
          value={hours}
          editable={editable}
          error={errors['business_hours.closed_days'] ? '' : errors.business_hours}
          closedError={errors['business_hours.closed_days']}
          onChange={setHours}
        />
        <LookFields value={look} siteName={name.trim() || site.name} editable={editable} errors={errors} onChange={setLook} />
        <TextFields value={look} editable={editable} errors={errors} onChange={setLook} />
        <FormError text={formError} />
        {editable && <SubmitRow label="Save site" busy={busy} done={saved ? 'Saved' : ''} />}
      </form>
      {editable && (
        <div class="danger-zone">
          {!confirmDelete ? (
            <button type="button" class="btn danger" onClick={() => setConfirmDelete(true)}>
              Delete site…
            </button>
          ) : (
            <div class="confirm" role="alertdialog" aria-label="Delete the site">
              <p>
                Deleting <strong>{site.name}</strong> deletes its visitors, their page views, and every conversation and message from it.
                This cannot be undone.
              </p>
              <button type="button" class="btn danger" onClick={() => void deleteSite(site.id).then(onDeleted).catch(fail('Deleting the site'))}>
                Delete forever
              </button>
              <button type="button" class="btn ghost" onClick={() => setConfirmDelete(false)}>
                Cancel
              </button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
