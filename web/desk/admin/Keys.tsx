import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { type APIKey, createAPIKey, listAPIKeys, revokeAPIKey } from './api';
import { errorText, Field, FormError, ShownOnce, SubmitRow, useRefocus } from './form';
import {
  emptyGrid,
  keyLabel,
  LIVE_KEYS_LIMIT,
  nameProblem,
  NO_SCOPE,
  SCOPE_ACCESS,
  SCOPE_RESOURCES,
  type ScopeGrid,
  type ScopeResource,
  scopesFromGrid,
  scopesSummary,
} from './keys';

const INTRO =
  'Keys let your own systems call the REST API (docs/api.md, API keys). A key acts with the rights of the admin who made it, narrowed to its scopes, and is limited to 20 requests a second.';

const day = (iso: string) => {
  const t = new Date(iso);
  return isNaN(t.getTime()) ? iso : t.toLocaleDateString(undefined, { dateStyle: 'medium' });
};
const moment = (iso: string) => {
  const t = new Date(iso);
  return isNaN(t.getTime()) ? iso : t.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
};
const resourceLabel = (r: ScopeResource) => r[0].toUpperCase() + r.slice(1);

/**
 * API keys: owners and admins make keys for their own systems (each shown
 * once, when made), see when each was last used and revoke them. Anyone
 * else reads why they see none (and nothing is asked of the server).
 */
export function Keys({ editable }: { editable: boolean }) {
  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <p class="muted">{INTRO}</p>
      {editable ? <KeyManager /> : <p class="notice">Only owners and admins manage API keys.</p>}
    </section>
  );
}

function KeyManager() {
  const [keys, setKeys] = useState<APIKey[] | null>(null);
  const [error, setError] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const nameInput = useRef<HTMLInputElement>(null);
  const refocus = useRefocus(created, nameInput);
  const load = () =>
    listAPIKeys()
      .then(setKeys)
      .catch((err: unknown) => setError(errorText(err, 'Loading the API keys')));
  useEffect(() => void load(), []);
  const live = keys?.filter((k) => !k.revoked_at).length ?? 0;
  return (
    <>
      <FormError text={error} />
      {keys && keys.length === 0 && <p class="muted">No keys yet.</p>}
      {keys && keys.length > 0 && (
        <>
          <table class="admin-table key-table">
            <caption class="sr-only">API keys, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <KeyRow
                  key={k.id}
                  apiKey={k}
                  onRevoked={() => {
                    setError('');
                    // Revoked at once: shown so now, then as the server has it.
                    setKeys((l) => (l ?? []).map((x) => (x.id === k.id ? { ...x, revoked_at: x.revoked_at ?? new Date().toISOString() } : x)));
                    void listAPIKeys().then(setKeys, () => undefined);
                  }}
                  onError={setError}
                />
              ))}
            </tbody>
          </table>
          <p class="muted key-count">
            {live} active of at most {LIVE_KEYS_LIMIT}.
          </p>
        </>
      )}
      {created ? (
        <ShownOnce
          id="key-token"
          title={`Key “${created.name}” created`}
          value={created.token}
          what="key"
          testId="api-key-token"
          onDone={() => {
            refocus();
            setCreated(null);
          }}
        />
      ) : (
        <NewKey
          nameInput={nameInput}
          onCreated={(k, token) => {
            setError('');
            setKeys((l) => [k, ...(l ?? []).filter((x) => x.id !== k.id)]);
            setCreated({ name: k.name, token });
          }}
        />
      )}
    </>
  );
}

function KeyRow({ apiKey: k, onRevoked, onError }: { apiKey: APIKey; onRevoked: () => void; onError: (e: string) => void }) {
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const revokeButton = useRef<HTMLButtonElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const statusCell = useRef<HTMLTableCellElement>(null);
  // Where the focus goes once the row shows its new state.
  const after = useRef<'revoke' | 'status' | null>(null);
  useEffect(() => {
    if (confirm) cancelButton.current?.focus();
    else if (after.current === 'revoke') {
      after.current = null;
      revokeButton.current?.focus();
    }
  }, [confirm]);
  useEffect(() => {
    if (k.revoked_at && after.current === 'status') {
      after.current = null;
      statusCell.current?.focus();
    }
  }, [k.revoked_at]);
  const cancel = () => {
    after.current = 'revoke';
    setConfirm(false);
  };
  const revoke = () => {
    setBusy(true);
    onError('');
    revokeAPIKey(k.id)
      .then(() => {
        after.current = 'status';
        setBusy(false);
        setConfirm(false);
        onRevoked();
      })
      .catch((err: unknown) => {
        setBusy(false);
        onError(errorText(err, `Revoking ${k.name}`));
      });
  };
  return (
    <tr class={k.revoked_at ? 'revoked' : undefined}>
      <th scope="row">{k.name}</th>
      <td class="nowrap">
        <code>{keyLabel(k.prefix)}</code>
      </td>
      <td>{scopesSummary(k.scopes)}</td>
      <td class="nowrap">
        <time dateTime={k.created_at}>{day(k.created_at)}</time>
      </td>
      <td class="nowrap">{k.last_used_at ? <time dateTime={k.last_used_at}>{moment(k.last_used_at)}</time> : 'never'}</td>
      <td class="nowrap" ref={statusCell} tabIndex={k.revoked_at ? -1 : undefined}>
        {k.revoked_at ? (
          <>
            Revoked on <time dateTime={k.revoked_at}>{day(k.revoked_at)}</time>
          </>
        ) : (
          'Active'
        )}
      </td>
      <td>
        {!k.revoked_at &&
          (confirm ? (
            <div
              class="confirm"
              role="alertdialog"
              aria-label={`Revoke ${k.name}`}
              aria-describedby={`key-revoke-${k.id}`}
              onKeyDown={(e) => {
                if (e.key === 'Escape' && !busy) cancel();
              }}
            >
              <p id={`key-revoke-${k.id}`}>Revoke “{k.name}”? Requests with it stop at once.</p>
              <button type="button" class="btn danger small" disabled={busy} onClick={revoke}>
                {busy ? 'Revoking…' : 'Revoke'}
              </button>
              <button type="button" class="btn ghost small" ref={cancelButton} disabled={busy} onClick={cancel}>
                Cancel
              </button>
            </div>
          ) : (
            <button type="button" class="btn ghost small danger-text" ref={revokeButton} aria-label={`Revoke ${k.name}`} onClick={() => setConfirm(true)}>
              Revoke
            </button>
          ))}
      </td>
    </tr>
  );
}


function NewKey({ nameInput, onCreated }: { nameInput: { current: HTMLInputElement | null }; onCreated: (k: APIKey, token: string) => void }) {
  const [name, setName] = useState('');
  const [grid, setGrid] = useState<ScopeGrid>(emptyGrid);
  const [errors, setErrors] = useState<{ name?: string; scopes?: string }>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const firstRadio = useRef<HTMLInputElement>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const scopes = scopesFromGrid(grid);
    const found = { name: nameProblem(name) || undefined, scopes: scopes.length ? undefined : NO_SCOPE };
    setErrors(found);
    setFormError('');
    if (found.name) return nameInput.current?.focus();
    if (found.scopes) return firstRadio.current?.focus();
    setBusy(true);
    createAPIKey(name.trim(), scopes).then(
      (r) => {
        setBusy(false);
        setName('');
        setGrid(emptyGrid());
        onCreated(r.key, r.token);
      },
      (err: unknown) => {
        setBusy(false);
        const text = errorText(err, 'Creating the key');
        const field = err instanceof ApiError ? err.field : '';
        if (field === 'name') {
          setErrors({ name: text });
          nameInput.current?.focus();
        } else if (field === 'scopes') {
          setErrors({ scopes: text });
          firstRadio.current?.focus();
        } else if (err instanceof ApiError && err.code === 'too_many_api_keys')
          setFormError(`The workspace already has ${LIVE_KEYS_LIMIT} active keys, the most it may have: revoke one it no longer needs first.`);
        else setFormError(text);
      },
    );
  };
  const described = (id: string, error?: string) => [`${id}-help`, error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <form class="admin-new key-form" onSubmit={submit} noValidate aria-labelledby="key-new-title">
      <h3 id="key-new-title">New API key</h3>
      <Field id="key-name" label="Name" help="What uses it, e.g. “CRM sync”, so you know which key to revoke." error={errors.name}>
        <input
          id="key-name"
          ref={nameInput}
          value={name}
          autoComplete="off"
          aria-invalid={errors.name ? true : undefined}
          aria-describedby={described('key-name', errors.name)}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </Field>
      <fieldset class={errors.scopes ? 'key-scopes invalid' : 'key-scopes'} aria-describedby={described('key-scopes', errors.scopes)}>
        <legend class="pref-label">Scopes</legend>
        <p class="pref-help muted" id="key-scopes-help">
          What the key may reach, within its maker's rights. Read and write includes read.
        </p>
        <div class="scope-rows">
          {SCOPE_RESOURCES.map((r, i) => (
            <fieldset class="scope-row" key={r}>
              <legend>{resourceLabel(r)}</legend>
              {SCOPE_ACCESS.map((a, j) => (
                <label class="check" key={a.value}>
                  <input
                    type="radio"
                    name={`key-scope-${r}`}
                    value={a.value}
                    ref={i === 0 && j === 0 ? firstRadio : undefined}
                    checked={grid[r] === a.value}
                    onChange={() => setGrid((g) => ({ ...g, [r]: a.value }))}
                  />
                  {a.label}
                </label>
              ))}
            </fieldset>
          ))}
        </div>
        {errors.scopes && (
          <p class="field-error" id="key-scopes-error" role="alert">
            {errors.scopes}
          </p>
        )}
      </fieldset>
      <FormError text={formError} />
      <SubmitRow label="Create key" busy={busy} />
    </form>
  );
}
