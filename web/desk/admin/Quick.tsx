import { useEffect, useState } from 'preact/hooks';
import type { Department } from '../api';
import { createQuick, deleteQuick, listQuick, type QuickInput, type QuickResponse, updateQuick } from '../quick/api';
import { errorText, FormError } from './form';

const FIELDS = '{{contact.name}}, {{contact.email}}, {{agent.name}}, {{site.name}}, {{context.KEY}}; a fallback after |: {{contact.name | there}}';

/**
 * Quick responses: every agent keeps its own; owners and admins also those
 * shared with the workspace or a department. Each shows how often it was
 * picked.
 */
export function Quick({ editable, meId, departments }: { editable: boolean; meId: string; departments: Department[] }) {
  const [items, setItems] = useState<QuickResponse[] | null>(null);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState<QuickResponse | null>(null);
  const load = () =>
    listQuick()
      .then(setItems)
      .catch((err: unknown) => setError(errorText(err, 'Loading quick responses')));
  useEffect(() => void load(), []);
  const scope = (q: QuickResponse) =>
    q.owner_agent_id ? 'Yours' : q.department_id ? (departments.find((d) => d.id === q.department_id)?.name ?? 'A department') : 'Everyone';
  const mine = (q: QuickResponse) => (q.owner_agent_id ? q.owner_agent_id === meId : editable);
  return (
    <section aria-labelledby="quick-title">
      <h2 id="quick-title">Quick responses</h2>
      <p class="muted">
        Type <kbd>/</kbd> in the reply box to pick one. Fields are filled in from the chat: {FIELDS}.
      </p>
      <FormError text={error} />
      {items && items.length === 0 && <p class="muted">None yet.</p>}
      {items && items.length > 0 && (
        <table class="admin-table">
          <thead>
            <tr>
              <th scope="col">Shortcut</th>
              <th scope="col">Title</th>
              <th scope="col">For</th>
              <th scope="col">Used</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((q) => (
              <tr key={q.id}>
                <td>/{q.shortcut}</td>
                <td>{q.title}</td>
                <td>{scope(q)}</td>
                <td>{q.uses}</td>
                <td>
                  {mine(q) && (
                    <>
                      <button type="button" class="btn ghost small" onClick={() => setEditing(q)}>
                        Edit
                      </button>
                      <button
                        type="button"
                        class="btn ghost small danger-text"
                        onClick={() =>
                          void deleteQuick(q.id)
                            .then(load)
                            .catch((err: unknown) => setError(errorText(err, 'Deleting')))
                        }
                      >
                        Delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <QuickForm
        key={editing?.id ?? 'new'}
        editing={editing}
        editable={editable}
        departments={departments}
        onDone={() => {
          setEditing(null);
          void load();
        }}
      />
    </section>
  );
}

function QuickForm({ editing, editable, departments, onDone }: { editing: QuickResponse | null; editable: boolean; departments: Department[]; onDone: () => void }) {
  const [title, setTitle] = useState(editing?.title ?? '');
  const [shortcut, setShortcut] = useState(editing?.shortcut ?? '');
  const [body, setBody] = useState(editing?.body ?? '');
  const [scope, setScope] = useState<string>('personal');
  const [error, setError] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    const [s, dept] = scope.split(':');
    const input: QuickInput = { title, shortcut, body, scope: s as QuickInput['scope'], ...(dept ? { department_id: dept } : {}) };
    (editing ? updateQuick(editing.id, input) : createQuick(input))
      .then(() => {
        setTitle('');
        setShortcut('');
        setBody('');
        setError('');
        onDone();
      })
      .catch((err: unknown) => setError(errorText(err, 'Saving the quick response')));
  };
  return (
    <form class="admin-new quick-form" onSubmit={submit} noValidate aria-label={editing ? `Edit /${editing.shortcut}` : 'New quick response'}>
      <h3>{editing ? `Edit /${editing.shortcut}` : 'New quick response'}</h3>
      <label>
        Title
        <input value={title} onInput={(e) => setTitle(e.currentTarget.value)} placeholder="Greeting" />
      </label>
      <label>
        Shortcut
        <input value={shortcut} onInput={(e) => setShortcut(e.currentTarget.value)} placeholder="hello" />
      </label>
      <label>
        Text
        <textarea rows={3} value={body} onInput={(e) => setBody(e.currentTarget.value)} placeholder="Hi {{contact.name | there}}, I am {{agent.name}}. How can I help?" />
      </label>
      {!editing && editable && (
        <label>
          For
          <select value={scope} onChange={(e) => setScope(e.currentTarget.value)}>
            <option value="personal">Me</option>
            <option value="workspace">Everyone</option>
            {departments.map((d) => (
              <option key={d.id} value={`department:${d.id}`}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <FormError text={error} />
      <div class="prefs-buttons">
        <button type="submit" class="btn primary">
          {editing ? 'Save' : 'Add quick response'}
        </button>
        {editing && (
          <button type="button" class="btn ghost" onClick={onDone}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
