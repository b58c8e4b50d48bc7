// A board's settings, for owners and admins: its name, archiving it, and
// each column's name and stage (archiving a column that holds no open
// ticket). Part of the boards chunk; every change reaches the desks as a
// board event.
import { useState } from 'preact/hooks';
import { ApiError } from '../api';
import { type Board, listAllBoards, reorderBoards, reorderColumns, type Stage, updateBoard, updateColumn } from './api';
import { Options } from './Drawer';
import { shifted } from './place';

const STAGES: Stage[] = ['new', 'in_progress', 'waiting', 'resolved', 'closed'];

export function BoardSettings({ board, place, count }: { board: Board; place: number; count: number }) {
  const last = count === 1;
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
          disabled={place === 0}
          onClick={() => run(moveBoard(board.id, -1), 'Board moved')}
        >
          Move board left
        </button>
        <button
          type="button"
          class="btn ghost small"
          disabled={place === count - 1}
          onClick={() => run(moveBoard(board.id, 1), 'Board moved')}
        >
          Move board right
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
          .map((c, i, shown) => (
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
                <button
                  type="button"
                  class="btn ghost small"
                  disabled={i === 0}
                  aria-label={`Move ${c.name} left`}
                  onClick={() => run(moveColumn(board, shown[i - 1].id, c.id), 'Column moved')}
                >
                  ←
                </button>
                <button
                  type="button"
                  class="btn ghost small"
                  disabled={i === shown.length - 1}
                  aria-label={`Move ${c.name} right`}
                  onClick={() => run(moveColumn(board, c.id, shown[i + 1].id), 'Column moved')}
                >
                  →
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

/** Moves a board one place among the live boards (archived ones go after them). */
async function moveBoard(id: string, step: -1 | 1) {
  const all = await listAllBoards();
  const live = all.filter((b) => !b.archived_at).map((b) => b.id);
  const order = shifted(live, live.indexOf(id), step);
  // The order names every board: archived ones go after the live ones.
  return reorderBoards([...order, ...all.filter((b) => b.archived_at).map((b) => b.id)]);
}

/** Swaps two columns of a board (neighbours on screen; an archived one may lie between). */
function moveColumn(board: Board, a: string, b: string) {
  const ids = board.columns.map((c) => c.id);
  const i = ids.indexOf(a);
  const j = ids.indexOf(b);
  [ids[i], ids[j]] = [ids[j], ids[i]];
  return reorderColumns(board.id, ids);
}
