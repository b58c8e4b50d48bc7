// A board's settings, for owners and admins: its name, archiving it, and
// each column's name and stage (archiving a column that holds no open
// ticket). Part of the boards chunk; every change reaches the desks as a
// board event.
import { useState } from 'preact/hooks';
import { ApiError } from '../api';
import { type Board, type Stage, updateBoard, updateColumn } from './api';
import { Options } from './Drawer';

const STAGES: Stage[] = ['new', 'in_progress', 'waiting', 'resolved', 'closed'];

export function BoardSettings({ board, last }: { board: Board; last: boolean }) {
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const run = (p: Promise<unknown>, what: string) => {
    setError('');
    setDone('');
    p.then(
      () => setDone(what),
      (err: unknown) => setError(err instanceof ApiError ? err.message : 'The board could not be changed. Try again.'),
    );
  };
  return (
    <details class="board-settings">
      <summary>Board settings</summary>
      <form
        class="inline-form"
        aria-label="Rename the board"
        onSubmit={(e) => {
          e.preventDefault();
          run(updateBoard(board.id, { name: (e.currentTarget.elements.namedItem('name') as HTMLInputElement).value }), 'Board renamed');
        }}
      >
        <input name="name" aria-label="Board name" defaultValue={board.name} required />
        <button type="submit" class="btn secondary small">
          Rename
        </button>
        <button
          type="button"
          class="btn ghost small"
          disabled={last}
          title={last ? 'The last board stays' : undefined}
          onClick={() => run(updateBoard(board.id, { archived: true }), 'Board archived')}
        >
          Archive board
        </button>
      </form>
      <ul class="column-settings">
        {board.columns
          .filter((c) => !c.archived_at)
          .map((c) => (
            <li key={c.id}>
              <form
                class="inline-form"
                aria-label={`Column ${c.name}`}
                onSubmit={(e) => {
                  e.preventDefault();
                  const f = e.currentTarget.elements;
                  run(
                    updateColumn(board.id, c.id, {
                      name: (f.namedItem('name') as HTMLInputElement).value,
                      stage: (f.namedItem('stage') as HTMLSelectElement).value as Stage,
                    }),
                    'Column saved',
                  );
                }}
              >
                <input name="name" aria-label="Column name" defaultValue={c.name} required />
                <select name="stage" aria-label="Stage">
                  <Options values={STAGES} selected={c.stage} />
                </select>
                <button type="submit" class="btn secondary small">
                  Save
                </button>
                <button type="button" class="btn ghost small" onClick={() => run(updateColumn(board.id, c.id, { archived: true }), 'Column archived')}>
                  Archive
                </button>
              </form>
            </li>
          ))}
      </ul>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {done && (
        <p class="saved" role="status">
          {done}
        </p>
      )}
    </details>
  );
}
