// The transfer dialog: a chunk of its own, loaded when an agent first
// opens it (ActionBar), so the live desk's first load does not carry it.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Conversation } from '../shared/protocol';
import { actionError, MAX_NOTE } from './lifecycle';
import type { DeskStore } from './store';

type Failure = { code?: string; message?: string };

/** Hands the chat to an agent or a department, with an internal note. */
export function TransferDialog({ store, c, onDone }: { store: DeskStore; c: Conversation; onDone: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [kind, setKind] = useState<'agent' | 'department'>('agent');
  const [target, setTarget] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  const live = store.agents.value;
  const ids = new Set([...live.keys(), ...store.agentDirectory.value.keys()]);
  const agents = [...ids]
    .filter((id) => id !== c.assignee_id)
    .map((id) => {
      const a = live.get(id);
      return { id, name: store.agentName(id) ?? id, status: a?.away ? 'away (desk closed)' : (a?.status ?? 'offline') };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const departments = store.departments.value;
  const options = kind === 'agent' ? agents.map((a) => ({ id: a.id, label: `${a.name} — ${a.status}` })) : departments.map((d) => ({ id: d.id, label: d.name }));

  const submit = (e: Event) => {
    e.preventDefault();
    if (!target) {
      setError(kind === 'agent' ? 'Choose an agent.' : 'Choose a department.');
      return;
    }
    setBusy(true);
    setError('');
    store
      .transfer(c.id, kind === 'agent' ? { agent_id: target } : { department_id: target }, note)
      .then(() => {
        ref.current?.close();
        onDone();
      })
      .catch((err: Failure) => setError(actionError(err.code ?? '', err.message)))
      .finally(() => setBusy(false));
  };

  return (
    <dialog ref={ref} class="modal" aria-labelledby="transfer-title" onClose={onDone}>
      <form class="modal-body" onSubmit={submit} noValidate>
        <h2 id="transfer-title">Transfer chat</h2>
        <p class="muted">The chat moves to the new owner at once. The note is internal: the visitor never sees it.</p>
        <fieldset class="seg-choice">
          <legend>Transfer to</legend>
          {(['agent', 'department'] as const).map((k) => (
            <label key={k} class={kind === k ? 'on' : ''}>
              <input
                type="radio"
                name="kind"
                value={k}
                checked={kind === k}
                onChange={() => {
                  setKind(k);
                  setTarget('');
                  setError('');
                }}
              />
              {k === 'agent' ? 'An agent' : 'A department'}
            </label>
          ))}
        </fieldset>
        <label class="field">
          {kind === 'agent' ? 'Agent' : 'Department'}
          <select value={target} onChange={(e) => setTarget(e.currentTarget.value)} required>
            <option value="">{kind === 'agent' ? 'Choose an agent…' : 'Choose a department…'}</option>
            {options.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        {kind === 'department' && departments.length === 0 && <p class="muted">This workspace has no departments yet.</p>}
        <label class="field">
          Internal note <span class="muted">(optional)</span>
          <textarea rows={3} maxLength={MAX_NOTE} value={note} onInput={(e) => setNote(e.currentTarget.value)} placeholder="What the next agent should know" />
          <span class="hint">
            {note.length} / {MAX_NOTE}
          </span>
        </label>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <div class="modal-buttons">
          <button
            type="button"
            class="btn secondary"
            onClick={() => {
              ref.current?.close();
              onDone();
            }}
          >
            Cancel
          </button>
          <button type="submit" class="btn primary" disabled={busy}>
            {busy ? 'Transferring…' : 'Transfer'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
