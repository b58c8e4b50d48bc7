import { useEffect, useState } from 'preact/hooks';
import { shortTime } from '../shared/format';
import { type AuditEntry, listAudit } from './api';

const ACTIONS: Record<string, string> = {
  sign_in: 'signed in',
  sign_in_failed: 'failed sign-in',
  password_changed: 'changed their password',
  password_reset: 'reset a password',
  agent_created: 'added an agent',
  agent_deleted: 'removed an agent',
  role_changed: 'changed a role',
  email_changed: 'changed an e-mail',
  widget_key_rotated: 'rotated a widget key',
  identity_secret_read: 'read an identity secret',
  block_created: 'blocked',
  block_deleted: 'lifted a block',
  password_check_failed: 'gave a wrong current password',
  site_created: 'added a site',
  site_updated: 'changed a site',
  site_deleted: 'removed a site',
  workspace_updated: 'changed the workspace settings',
};

/** What an entry's detail says, in a few words. */
export function describe(e: AuditEntry): string {
  const d = e.detail ?? {};
  if (e.action === 'role_changed' || e.action === 'email_changed') return `${String(d.from)} → ${String(d.to)}`;
  if (e.action === 'block_created' || e.action === 'block_deleted') return `${String(d.kind)} ${String(d.value)}`;
  if (e.action === 'agent_created' || e.action === 'agent_deleted') return String(d.email ?? '');
  return '';
}

/** The workspace's audit log, newest first, with "Older" paging. */
export function AuditLog() {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState('');
  const load = (before = '') =>
    listAudit(before)
      .then((page) => {
        setEntries((cur) => (before && cur ? [...cur, ...page] : page));
        setMore(page.length === 50);
      })
      .catch(() => setError('The audit log cannot be loaded right now.'));
  useEffect(() => {
    void load();
  }, []);
  return (
    <section class="card">
      <h3>Audit log</h3>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {entries === null ? (
        <p class="muted">Loading…</p>
      ) : entries.length === 0 ? (
        <p class="muted">Nothing recorded yet.</p>
      ) : (
        <ul class="audit">
          {entries.map((e) => (
            <li key={e.id}>
              <span class="when">{shortTime(e.at)}</span>
              <span>
                <strong>{e.actor_name || 'Someone'}</strong> {ACTIONS[e.action] ?? e.action} <span class="muted">{describe(e)}</span>
              </span>
              <span class="mono muted">{e.ip ?? ''}</span>
            </li>
          ))}
        </ul>
      )}
      {more && entries && (
        <button type="button" class="btn secondary small" onClick={() => void load(entries[entries.length - 1].id)}>
          Older
        </button>
      )}
    </section>
  );
}
