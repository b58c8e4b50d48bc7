import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Agent } from '../../shared/protocol';
import { ThumbIcon } from '../../shared/ThumbIcon';
import { type AgentRecord, type Department, listAgents } from '../api';
import { Avatar } from '../Avatar';
import { GRANTABLE } from './grantable';
import { agentRatings, createAgent, deleteAgent, getAgent, CHATS_PER_AGENT_LIMIT, MAX_NAME, maxChatsProblem, type RatingCount, resetPassword, setDisabled, updateAgent, withDepartment } from './api';
import { errorText, Field, FormError, SubmitRow } from './form';
import { byRole, inOrder } from './grants';

const ROLES = [
  { value: 'agent', label: 'Agent', help: 'answers chats' },
  { value: 'supervisor', label: 'Supervisor', help: 'also manages any chat' },
  { value: 'admin', label: 'Admin', help: 'also manages the workspace and team' },
  { value: 'owner', label: 'Owner', help: 'everything, including other owners' },
];

/** Team: every agent with role, departments and chat limit; admins add and change them. */
export function Team({ editable, meId, departments, ratings: seesRatings, live }: {
  editable: boolean;
  meId: string;
  departments: Department[];
  ratings: boolean;
  /** The agents as the socket keeps them: a new avatar shows at once. */
  live: ReadonlyMap<string, Agent>;
}) {
  const [agents, setAgents] = useState<AgentRecord[] | null>(null);
  const [error, setError] = useState('');
  const [shown, setShown] = useState<{ name: string; password: string } | null>(null);
  const [ratings, setRatings] = useState<Map<string, RatingCount>>(new Map());
  useEffect(() => {
    listAgents()
      .then(setAgents)
      .catch((err: unknown) => setError(errorText(err, 'Loading the team')));
    // The last 30 days' ratings, by agent: supervisors and above read every agent's.
    if (seesRatings)
      agentRatings().then((list) => setRatings(new Map(list.map((r) => [r.agent_id ?? '', r]))), () => undefined);
  }, []);
  const replace = (a: AgentRecord) => setAgents((l) => (l ?? []).map((x) => (x.id === a.id ? a : x)));
  const deptName = (id: string) => departments.find((d) => d.id === id)?.name ?? '';

  return (
    <section aria-labelledby="team-title">
      <h2 id="team-title">Team</h2>
      <p class="muted">
        Who answers chats, what each may do, and how many chats each takes at once (0: the workspace default). Permissions add to what a role allows: admins and owners
        have them all already.
      </p>
      <FormError text={error} />
      {shown && (
        <p class="notice" role="status">
          Password for <strong>{shown.name}</strong>: <code class="secret">{shown.password}</code> — hand it over now; it is not shown again.
          <button type="button" class="link" onClick={() => setShown(null)}>
            Done
          </button>
        </p>
      )}
      {agents && (
        <table class="admin-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Departments</th>
              <th scope="col">Max chats</th>
              <th scope="col">Permissions</th>
              <th scope="col">Status</th>
              {seesRatings && <th scope="col">Ratings, 30 days</th>}
              {editable && <th scope="col"><span class="sr-only">Actions</span></th>}
            </tr>
          </thead>
          <tbody>
            {agents.map((a) => (
              <AgentRow
                key={a.id}
                agent={a}
                self={a.id === meId}
                editable={editable}
                departments={departments}
                deptName={deptName}
                avatarAt={live.has(a.id) ? live.get(a.id)?.avatar_at : a.avatar_at}
                rating={ratings.get(a.id)}
                seesRatings={seesRatings}
                onSaved={replace}
                onDeleted={() => setAgents((l) => (l ?? []).filter((x) => x.id !== a.id))}
                onPassword={(password) => setShown({ name: a.name, password })}
                onError={setError}
              />
            ))}
          </tbody>
        </table>
      )}
      {editable && (
        <NewAgent
          departments={departments}
          onCreated={(a, password) => {
            setAgents((l) => [...(l ?? []), a]);
            if (password) setShown({ name: a.name, password });
          }}
        />
      )}
    </section>
  );
}

function AgentRow(p: {
  agent: AgentRecord;
  self: boolean;
  editable: boolean;
  departments: Department[];
  deptName: (id: string) => string;
  /** When its avatar changed, as the socket last told (or the list said). */
  avatarAt?: string;
  /** The agent's ratings of the last 30 days (none read: undefined). */
  rating?: RatingCount;
  seesRatings: boolean;
  onSaved: (a: AgentRecord) => void;
  onDeleted: () => void;
  onPassword: (pw: string) => void;
  onError: (e: string) => void;
}) {
  const a = p.agent;
  const [confirm, setConfirm] = useState(false);
  const patch = (in_: Parameters<typeof updateAgent>[1]) => {
    p.onError('');
    updateAgent(a.id, in_).then(p.onSaved).catch((err: unknown) => p.onError(errorText(err, `Changing ${a.name}`)));
  };
  // The list is read again first: the Departments page, or another admin,
  // may have changed it since this page loaded.
  const toggleDept = (id: string, on: boolean) => {
    p.onError('');
    getAgent(a.id)
      .then((cur) => updateAgent(a.id, { department_ids: withDepartment(cur.department_ids, id, on) }))
      .then(p.onSaved)
      .catch((err: unknown) => p.onError(errorText(err, `Changing ${a.name}`)));
  };
  const setMaxChats = (typed: string) => {
    const problem = maxChatsProblem(typed);
    if (problem) p.onError(`Max chats of ${a.name}: ${problem}`);
    else if (Number(typed) !== a.max_chats) patch({ max_chats: Number(typed) });
  };
  // A permission ticked shows ticked at once; the answers (or an error) settle it.
  const [pendingGrants, setPendingGrants] = useState<string[] | null>(null);
  const grants = pendingGrants ?? a.grants ?? [];
  // What the role gives, by the server's record (not by the grants being sent).
  const role = byRole(a);
  const held = (perm: string) => grants.includes(perm) || role.includes(perm);
  const heldList = GRANTABLE.filter((g) => held(g.permission));
  const heldText = heldList.length === 0 ? 'None beyond the role' : heldList.length === GRANTABLE.length ? 'All' : heldList.map((g) => g.label).join(', ');
  // One request at a time for this agent, each with the latest list wanted:
  // two quick ticks cannot reach the server in the wrong order.
  const latest = useRef(p);
  latest.current = p;
  const sendGrants = useMemo(
    () =>
      inOrder(
        (list: string[]) =>
          updateAgent(a.id, { grants: list }).then(latest.current.onSaved, (err: unknown) => {
            latest.current.onError(errorText(err, `Changing the permissions of ${latest.current.agent.name}`));
            throw err;
          }),
        () => setPendingGrants(null),
      ),
    [a.id],
  );
  const toggleGrant = (perm: string, on: boolean) => {
    const next = on ? [...grants, perm] : grants.filter((g) => g !== perm);
    setPendingGrants(next);
    p.onError('');
    sendGrants(next);
  };
  return (
    <tr>
      <th scope="row">
        <div class="team-who">
          <Avatar id={a.id} at={p.avatarAt} name={a.name} cls="small" />
          <div>
            {a.name}
            <span class="muted block">{a.email}</span>
          </div>
        </div>
      </th>
      <td>
        {p.editable && !p.self ? (
          <select aria-label={`Role of ${a.name}`} value={a.role} onChange={(e) => patch({ role: e.currentTarget.value })}>
            {ROLES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        ) : (
          ROLES.find((r) => r.value === a.role)?.label ?? a.role
        )}
      </td>
      <td>
        {p.editable
          ? p.departments.map((d) => (
              <label key={d.id} class="check chip">
                <input type="checkbox" checked={a.department_ids.includes(d.id)} onChange={(e) => toggleDept(d.id, e.currentTarget.checked)} />
                {d.name}
              </label>
            ))
          : a.department_ids.map(p.deptName).join(', ') || <span class="muted">none</span>}
      </td>
      <td>
        {p.editable ? (
          <input
            type="number"
            class="narrow"
            min={0}
            max={CHATS_PER_AGENT_LIMIT}
            aria-label={`Max chats of ${a.name}`}
            value={a.max_chats}
            onChange={(e) => setMaxChats(e.currentTarget.value)}
          />
        ) : (
          a.max_chats || 'default'
        )}
      </td>
      <td>
        {p.editable ? (
          <details class="grants">
            <summary>{heldText}</summary>
            <fieldset>
              <legend class="sr-only">Permissions of {a.name}</legend>
              {GRANTABLE.map((g) => {
                // What the role gives (the server's record says which) shows
                // ticked and fixed. Only the record decides it, so a grant
                // being sent never becomes fixed (nor its focused box disabled).
                const fixed = role.includes(g.permission);
                return (
                  <label key={g.permission} class="check" title={fixed ? `${a.role} has it by role` : undefined}>
                    <input
                      type="checkbox"
                      checked={fixed || grants.includes(g.permission)}
                      disabled={fixed}
                      onChange={(e) => toggleGrant(g.permission, e.currentTarget.checked)}
                    />
                    {g.label}
                    {fixed && <span class="muted"> (role)</span>}
                  </label>
                );
              })}
            </fieldset>
          </details>
        ) : (
          heldText
        )}
      </td>
      <td class="nowrap" title={a.away ? 'Every desk of theirs has been closed for a while: they get no chats until one opens.' : undefined}>
        <span class={`status-dot ${a.away || a.disabled ? 'offline' : a.status}`} aria-hidden="true" />{' '}
        {a.disabled ? 'disabled' : a.away ? `away (${a.status})` : a.status}
      </td>
      {p.seesRatings && <td class="nowrap">
        {p.rating ? (
          <span aria-label={`${p.rating.good} good, ${p.rating.bad} bad`}>
            <ThumbIcon /> {p.rating.good} · <ThumbIcon down /> {p.rating.bad}
          </span>
        ) : (
          <span class="muted">none</span>
        )}
      </td>}
      {p.editable && (
        <td>
          <div class="row-actions">
            {!p.self && (
              <button type="button" class="btn ghost" onClick={() => void resetPassword(a.id).then(p.onPassword).catch((err: unknown) => p.onError(errorText(err, 'Resetting the password')))}>
                Reset password
              </button>
            )}
            {!p.self && (
              <button
                type="button"
                class="btn ghost"
                title={a.disabled ? undefined : 'Signed out at once, cannot sign in, their chats go back to the queue'}
                onClick={() =>
                  void setDisabled(a.id, !a.disabled)
                    .then(p.onSaved)
                    .catch((err: unknown) => p.onError(errorText(err, a.disabled ? `Enabling ${a.name}` : `Disabling ${a.name}`)))
                }
              >
                {a.disabled ? 'Enable' : 'Disable'}
              </button>
            )}
            {!p.self && !confirm && (
              <button type="button" class="btn ghost danger-text" onClick={() => setConfirm(true)}>
                Remove…
              </button>
            )}
            {confirm && (
              <span class="confirm" role="alertdialog" aria-label={`Remove ${a.name}`}>
                Remove {a.name}? They are signed out at once and their chats become unassigned.
                <button type="button" class="btn danger" onClick={() => void deleteAgent(a.id).then(p.onDeleted).catch((err: unknown) => p.onError(errorText(err, `Removing ${a.name}`)))}>
                  Remove
                </button>
                <button type="button" class="btn ghost" onClick={() => setConfirm(false)}>
                  Cancel
                </button>
              </span>
            )}
          </div>
        </td>
      )}
    </tr>
  );
}

function NewAgent({ departments, onCreated }: { departments: Department[]; onCreated: (a: AgentRecord, password: string) => void }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('agent');
  const [depts, setDepts] = useState<string[]>([]);
  const [maxChats, setMaxChats] = useState('0');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = 'Enter a name.';
    if (!/^[^@\s]+@[^@\s]+$/.test(email.trim())) local.email = 'Enter an e-mail address.';
    const max = maxChatsProblem(maxChats);
    if (max) local.max_chats = max;
    setErrors(local);
    setFormError('');
    if (Object.keys(local).length) return;
    setBusy(true);
    createAgent({ name: name.trim(), email: email.trim(), role, max_chats: Number(maxChats), department_ids: depts })
      .then((r) => {
        setName('');
        setEmail('');
        setDepts([]);
        setMaxChats('0');
        onCreated(r.agent, r.password ?? '');
      })
      .catch((err: unknown) => {
        const field = (err as { field?: string }).field ?? '';
        if (field === 'name' || field === 'email' || field === 'max_chats') setErrors({ [field]: errorText(err, 'Adding the agent') });
        else setFormError(errorText(err, 'Adding the agent'));
      })
      .finally(() => setBusy(false));
  };
  return (
    <form class="prefs-form admin-new" onSubmit={submit} noValidate aria-labelledby="new-agent-title">
      <h3 id="new-agent-title">Add an agent</h3>
      <Field id="agent-name" label="Name" help="Shown to visitors." error={errors.name}>
        <input id="agent-name" value={name} maxLength={MAX_NAME} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <Field id="agent-email" label="E-mail" help="They sign in with it; a password is made for you to hand over." error={errors.email}>
        <input id="agent-email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </Field>
      <Field id="agent-role" label="Role" help={ROLES.find((r) => r.value === role)?.help}>
        <select id="agent-role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
          {ROLES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </Field>
      <Field id="agent-max" label="Max chats" help="Chats they take at once, 0 to 100; 0: the workspace's default (Preferences)." error={errors.max_chats}>
        <input id="agent-max" type="number" class="narrow" inputMode="numeric" min={0} max={CHATS_PER_AGENT_LIMIT} value={maxChats} onInput={(e) => setMaxChats(e.currentTarget.value)} />
      </Field>
      {departments.length > 0 && (
        <fieldset class="field">
          <legend class="pref-label">Departments</legend>
          {departments.map((d) => (
            <label key={d.id} class="check chip">
              <input type="checkbox" checked={depts.includes(d.id)} onChange={(e) => setDepts(e.currentTarget.checked ? [...depts, d.id] : depts.filter((x) => x !== d.id))} />
              {d.name}
            </label>
          ))}
        </fieldset>
      )}
      <FormError text={formError} />
      <SubmitRow label="Add agent" busy={busy} />
    </form>
  );
}
