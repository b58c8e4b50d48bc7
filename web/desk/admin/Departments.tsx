import { useState } from 'preact/hooks';
import type { Department } from '../api';
import { createDepartment, deleteDepartment, MAX_NAME, renameDepartment } from './api';
import { errorText, FormError } from './form';

/** Departments: create, rename, delete. Members are set per agent on Team. */
export function Departments({ editable, departments, onChange }: { editable: boolean; departments: Department[]; onChange: (d: Department[]) => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState('');
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
      <p class="muted">Queues by topic, such as Sales or Billing. A site can send its chats to one; agents join them on the Team page.</p>
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

function DepartmentRow({ dept, editable, onSaved, onDeleted, onError }: {
  dept: Department;
  editable: boolean;
  onSaved: (d: Department) => void;
  onDeleted: () => void;
  onError: (e: string) => void;
}) {
  const [name, setName] = useState(dept.name);
  const [confirm, setConfirm] = useState(false);
  if (!editable) return <li>{dept.name}</li>;
  const rename = (e: Event) => {
    e.preventDefault();
    if (name.trim() === dept.name) return;
    renameDepartment(dept.id, name.trim())
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
    </li>
  );
}
