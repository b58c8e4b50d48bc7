import { useEffect, useRef, useState } from 'preact/hooks';
import { type AgentRecord, type Department, listAgents } from '../api';
import { type BusinessHours, createDepartment, deleteDepartment, getAgent, MAX_NAME, updateAgent, updateDepartment, withDepartment } from './api';
import { errorText, FormError, SubmitRow } from './form';
import { Hours } from './Hours';

/**
 * Departments: create, rename, delete, their own hours, and their members
 * (also set per agent on Team: both change the agent's department_ids).
 */
export function Departments({ editable, departments, onChange }: { editable: boolean; departments: Department[]; onChange: (d: Department[]) => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const [hoursOf, setHoursOf] = useState(''); // the department whose hours are open
  const [agents, setAgents] = useState<AgentRecord[] | null>(null);
  // "agent dept" → the membership ticked, until its request is answered.
  const [wanted, setWanted] = useState<Record<string, boolean>>({});
  // Agent id → its last request: one agent's changes go one at a time, in order.
  const chains = useRef(new Map<string, Promise<void>>());
  useEffect(() => {
    listAgents()
      .then(setAgents)
      .catch((err: unknown) => setError(errorText(err, 'Loading the team')));
  }, []);
  /**
   * Adds an agent to a department or takes it out. department_ids is the
   * agent's whole list, so the agent is read afresh (another admin or the
   * Team page may have changed it) and only this department is added or
   * removed; nothing is sent when it already is as wanted.
   */
  const setMember = (a: AgentRecord, deptId: string, on: boolean) => {
    const key = `${a.id} ${deptId}`;
    setWanted((w) => ({ ...w, [key]: on }));
    setError('');
    const next: Promise<void> = (chains.current.get(a.id) ?? Promise.resolve())
      .then(() => getAgent(a.id))
      .then((cur) => (cur.department_ids.includes(deptId) === on ? cur : updateAgent(a.id, { department_ids: withDepartment(cur.department_ids, deptId, on) })))
      .then(
        (saved) => setAgents((l) => (l ?? []).map((x) => (x.id === saved.id ? saved : x))),
        (err: unknown) => setError(errorText(err, `Changing the departments of ${a.name}`)),
      )
      .finally(() => {
        if (chains.current.get(a.id) !== next) return; // a later change is on its way
        chains.current.delete(a.id);
        setWanted((w) => Object.fromEntries(Object.entries(w).filter(([k]) => !k.startsWith(`${a.id} `))));
      });
    chains.current.set(a.id, next);
  };
  const add = (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return setError('Give the department a name.');
    createDepartment(name.trim())
      .then((d) => {
        onChange([...departments, d]);
        setName('');
        setError('');
      })
      .catch((err: unknown) => setError(errorText(err, 'Adding the department')));
  };
  return (
    <section aria-labelledby="depts-title">
      <h2 id="depts-title">Departments</h2>
      <p class="muted">Queues by topic, such as Sales or Billing. A site can send its chats to one; its members (set here or on the Team page) answer them.</p>
      <FormError text={error} />
      <ul class="admin-list plain" aria-label="Departments">
        {departments.length === 0 && <li class="muted">No departments yet: every chat goes to the whole team.</li>}
        {departments.map((d) => (
          <DepartmentRow
            key={d.id}
            dept={d}
            editable={editable}
            onSaved={(x) => onChange(departments.map((y) => (y.id === x.id ? x : y)))}
            onDeleted={() => onChange(departments.filter((y) => y.id !== d.id))}
            onError={setError}
            hoursOpen={hoursOf === d.id}
            onHours={(open) => setHoursOf(open ? d.id : '')}
            agents={agents}
            isMember={(a) => wanted[`${a.id} ${d.id}`] ?? a.department_ids.includes(d.id)}
            onMember={(a, on) => setMember(a, d.id, on)}
          />
        ))}
      </ul>
      {editable && (
        <form class="inline-form" onSubmit={add} noValidate>
          <label for="new-dept" class="sr-only">
            New department name
          </label>
          <input id="new-dept" placeholder="New department, e.g. Billing" value={name} maxLength={MAX_NAME} onInput={(e) => setName(e.currentTarget.value)} />
          <button type="submit" class="btn primary">
            Add department
          </button>
        </form>
      )}
    </section>
  );
}

function DepartmentRow({ dept, editable, onSaved, onDeleted, onError, hoursOpen, onHours, agents, isMember, onMember }: {
  dept: Department;
  editable: boolean;
  onSaved: (d: Department) => void;
  onDeleted: () => void;
  onError: (e: string) => void;
  hoursOpen: boolean;
  onHours: (open: boolean) => void;
  /** The team (null until loaded). */
  agents: AgentRecord[] | null;
  /** Whether an agent is a member, as ticked (a change being sent shows at once). */
  isMember: (a: AgentRecord) => boolean;
  onMember: (a: AgentRecord, on: boolean) => void;
}) {
  const [name, setName] = useState(dept.name);
  const [confirm, setConfirm] = useState(false);
  const [membersOpen, setMembersOpen] = useState(false);
  const summary = hoursSummary(dept.business_hours);
  const members = (agents ?? []).filter(isMember);
  if (!editable)
    return (
      <li>
        {dept.name} <span class="muted">· {summary}</span>
        {agents && <span class="muted block">Members: {members.map((a) => a.name).join(', ') || 'none'}</span>}
      </li>
    );
  const rename = (e: Event) => {
    e.preventDefault();
    if (name.trim() === dept.name) return;
    updateDepartment(dept.id, { name: name.trim() })
      .then(onSaved)
      .catch((err: unknown) => onError(errorText(err, 'Renaming the department')));
  };
  return (
    <li>
      <form class="inline-form" onSubmit={rename} noValidate>
        <input aria-label={`Name of ${dept.name}`} value={name} maxLength={MAX_NAME} onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit" class="btn" disabled={name.trim() === dept.name || !name.trim()}>
          Rename
        </button>
        <button type="button" class="btn ghost" aria-expanded={hoursOpen} aria-controls={`dept-hours-${dept.id}`} onClick={() => onHours(!hoursOpen)}>
          Hours: {summary}
        </button>
        {agents && (
          <button type="button" class="btn ghost" aria-expanded={membersOpen} aria-controls={`dept-members-${dept.id}`} onClick={() => setMembersOpen(!membersOpen)}>
            Members: {members.length}
          </button>
        )}
        {!confirm ? (
          <button type="button" class="btn ghost danger-text" onClick={() => setConfirm(true)}>
            Delete…
          </button>
        ) : (
          <span class="confirm" role="alertdialog" aria-label={`Delete ${dept.name}`}>
            Sites that used it get no default, and its chats go to the whole team.
            <button type="button" class="btn danger" onClick={() => void deleteDepartment(dept.id).then(onDeleted).catch((err: unknown) => onError(errorText(err, 'Deleting the department')))}>
              Delete
            </button>
            <button type="button" class="btn ghost" onClick={() => setConfirm(false)}>
              Cancel
            </button>
          </span>
        )}
      </form>
      {membersOpen && agents && (
        <fieldset id={`dept-members-${dept.id}`} class="admin-detail dept-members">
          <legend>Members of {dept.name}</legend>
          <p class="pref-help muted">Its chats go to these agents. Each change is saved at once; Team shows the same.</p>
          {agents.length === 0 && <p class="muted">No agents yet.</p>}
          {agents.map((a) => (
            <label key={a.id} class="check">
              <input type="checkbox" checked={isMember(a)} onChange={(e) => onMember(a, e.currentTarget.checked)} />
              {a.name}
              <span class="muted">
                {' '}
                · {a.email}
                {a.disabled ? ' · disabled' : ''}
              </span>
            </label>
          ))}
        </fieldset>
      )}
      {hoursOpen && <DepartmentHours dept={dept} onSaved={onSaved} />}
    </li>
  );
}

/** "the sites' hours", "always open" or "own hours": what a department's hours are, in a word or three. */
function hoursSummary(h: BusinessHours | null | undefined): string {
  if (!h) return "the sites' hours";
  return (h.days ?? []).length === 0 && (h.closed_days ?? []).length === 0 ? 'always open' : 'own hours';
}

const NINE_TO_FIVE: BusinessHours = {
  time_zone: '',
  days: [1, 2, 3, 4, 5].map((wd) => ({ weekday: wd, open: '09:00', close: '17:00' })),
  closed_days: [],
};

/** The fields whose refusals the hours editor shows in place. */
const HOURS_FIELDS = ['business_hours', 'business_hours.time_zone', 'business_hours.days', 'business_hours.closed_days'];

/** DepartmentHours sets a department's own hours, or returns it to its sites'. */
function DepartmentHours({ dept, onSaved }: { dept: Department; onSaved: (d: Department) => void }) {
  const [own, setOwn] = useState(!!dept.business_hours);
  const [hours, setHours] = useState<BusinessHours>(dept.business_hours ?? NINE_TO_FIVE);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const save = (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setSaved(false);
    const zone = hours.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    updateDepartment(dept.id, { business_hours: own ? { ...hours, time_zone: zone } : null })
      .then((d) => {
        setErrors({});
        setSaved(true);
        onSaved(d);
      })
      .catch((err: unknown) => {
        const field = (err as { field?: string }).field ?? '';
        setErrors({ [HOURS_FIELDS.includes(field) ? field : 'form']: errorText(err, 'Saving the hours') });
      })
      .finally(() => setBusy(false));
  };
  return (
    <form id={`dept-hours-${dept.id}`} class="admin-detail dept-hours" onSubmit={save} noValidate aria-label={`Hours of ${dept.name}`}>
      <label class="check">
        <input
          type="checkbox"
          checked={own}
          onChange={(e) => {
            setOwn(e.currentTarget.checked);
            setSaved(false);
          }}
        />
        Hours of its own (they narrow the hours of the sites whose chats come here)
      </label>
      {own ? (
        <Hours
          kind="department"
          value={hours}
          editable
          error={errors['business_hours.closed_days'] ? '' : (errors['business_hours.time_zone'] ?? errors['business_hours.days'] ?? errors.business_hours)}
          closedError={errors['business_hours.closed_days']}
          onChange={(h) => {
            setHours(h);
            setSaved(false);
          }}
        />
      ) : (
        <p class="pref-help muted">Its chats are served whenever their site is open.</p>
      )}
      <FormError text={errors.form ?? ''} />
      <SubmitRow label="Save hours" busy={busy} done={saved ? 'Saved' : ''} />
    </form>
  );
}
