// The ticket boards (issue 15): the tickets by stage, in columns an agent
// drags them across (or moves them with the keyboard: each card has a
// "Move to" list). A move shows at once and is corrected by the server's
// answer; moves made on other desks arrive as ticket events and take
// their place without a reload. Its own chunk (Desk.tsx).
import { useEffect, useState } from 'preact/hooks';
import { since } from '../../shared/format';
import type { Stage } from '../../shared/protocol';
import { ApiError, type Me } from '../api';
import { MANAGE_WORKSPACE } from '../permissions';
import { go, href } from '../router';
import type { DeskStore } from '../store';
import { addColumn, type Board, type BoardView, createBoard, getBoard, listBoards, moveTicket, type Ticket } from './api';
import { arrange, guessRank, upsert } from './place';
import './boards.css';

const message = (err: unknown) => (err instanceof ApiError ? err.message : 'Live Desk cannot be reached. Try again.');

const STAGES: { stage: Stage; label: string }[] = [
  { stage: 'new', label: 'New' },
  { stage: 'in_progress', label: 'In progress' },
  { stage: 'waiting', label: 'Waiting' },
  { stage: 'resolved', label: 'Resolved' },
  { stage: 'closed', label: 'Closed' },
];

export function Boards({ store, id }: { store: DeskStore; me: Me; id: string }) {
  const [boards, setBoards] = useState<Board[] | null>(null);
  const [view, setView] = useState<BoardView | null>(null);
  const [error, setError] = useState('');
  const [dragging, setDragging] = useState('');
  const [over, setOver] = useState<{ col: string; before: string } | null>(null);
  const admin = store.can(MANAGE_WORKSPACE);

  useEffect(() => {
    listBoards().then(setBoards, (err: unknown) => setError(message(err)));
  }, []);
  const current = boards && (boards.find((b) => b.id === id) ?? boards[0]);
  const isDefault = !!boards && !!current && boards[0].id === current.id;
  const load = () => current && getBoard(current.id).then(setView, (err: unknown) => setError(message(err)));
  useEffect(() => void load(), [current?.id]);

  const columns = view ? arrange(view.board, view.tickets, isDefault) : new Map<string, Ticket[]>();
  // A column of the default board that shows tickets no agent placed: a
  // move into it places them all (server side), so the board is read again.
  const unplacedIn = (col: string) => (columns.get(col) ?? []).some((t) => !t.board_id);

  // Moves made on other desks (and our own, echoed) take their place.
  const ev = store.ticketEvent.value;
  useEffect(() => {
    if (!ev || !view) return;
    if (ev.board_id === view.board.id && ev.column_id && unplacedIn(ev.column_id)) void load();
    else setView({ ...view, tickets: upsert(view.tickets, ev) });
  }, [ev]);
  const bev = store.boardEvent.value;
  useEffect(() => {
    if (!bev) return;
    setBoards((list) => list && [...list.filter((b) => b.id !== bev.id), ...(bev.archived_at ? [] : [bev])].sort((a, b) => a.position - b.position));
    if (view && bev.id === view.board.id) setView({ ...view, board: bev });
  }, [bev]);

  const move = (ticketId: string, col: string, before: string) => {
    if (!view || ticketId === before) return;
    const t = view.tickets.find((x) => x.id === ticketId);
    const stage = view.board.columns.find((c) => c.id === col)?.stage;
    if (!t || !stage) return;
    const reread = unplacedIn(col);
    const shown: Ticket = {
      ...t,
      board_id: view.board.id,
      column_id: col,
      stage,
      status: stage === 'closed' ? 'closed' : 'open',
      closed_at: stage === 'closed' ? new Date().toISOString() : undefined,
      rank: guessRank(columns.get(col) ?? [], ticketId, before),
    };
    setView({ ...view, tickets: upsert(view.tickets, shown) });
    setError('');
    moveTicket(ticketId, col, before).then(
      (saved) => (reread ? void load() : setView((v) => v && { ...v, tickets: upsert(v.tickets, saved) })),
      (err: unknown) => {
        setView((v) => v && { ...v, tickets: upsert(v.tickets, t) });
        setError(message(err));
      },
    );
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    const ticketId = e.dataTransfer?.getData('text/plain') || dragging;
    if (over && ticketId) move(ticketId, over.col, over.before);
    setDragging('');
    setOver(null);
  };

  if (!boards || !current) {
    return (
      <main class="boards">
        <p class={error ? 'form-error' : 'muted'} role={error ? 'alert' : undefined}>
          {error || 'Loading boards…'}
        </p>
      </main>
    );
  }
  return (
    <main class="boards" aria-labelledby="boards-title">
      <header class="boards-head">
        <h1 id="boards-title">Boards</h1>
        <nav class="tabs" aria-label="Boards">
          {boards.map((b) => (
            <a key={b.id} class={b.id === current.id ? 'tab on' : 'tab'} href={href({ area: 'boards', id: b.id })} aria-current={b.id === current.id ? 'page' : undefined}>
              {b.name}
            </a>
          ))}
        </nav>
        {admin && <NewBoard onMade={(b) => go({ area: 'boards', id: b.id })} />}
      </header>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {!view ? (
        <p class="muted">Loading…</p>
      ) : (
        <div class="kanban">
          {view.board.columns
            .filter((c) => !c.archived_at)
            .map((c) => {
              const list = columns.get(c.id) ?? [];
              return (
                <section
                  key={c.id}
                  class={over?.col === c.id && !over.before ? 'lane drop-end' : 'lane'}
                  aria-labelledby={`lane-${c.id}`}
                  onDragOver={(e) => {
                    e.preventDefault();
                    if (e.target === e.currentTarget || (e.target as HTMLElement).classList.contains('cards')) setOver({ col: c.id, before: '' });
                  }}
                  onDrop={drop}
                >
                  <h2 id={`lane-${c.id}`}>
                    {c.name} <span class="count">{list.length}</span>
                  </h2>
                  <ol class="cards">
                    {list.map((t) => (
                      <li
                        key={t.id}
                        class={`tcard${dragging === t.id ? ' dragging' : ''}${over?.before === t.id ? ' drop-before' : ''}`}
                        draggable
                        onDragStart={(e) => {
                          e.dataTransfer?.setData('text/plain', t.id);
                          setDragging(t.id);
                        }}
                        onDragEnd={() => {
                          setDragging('');
                          setOver(null);
                        }}
                        onDragOver={(e) => {
                          e.preventDefault();
                          e.stopPropagation();
                          setOver({ col: c.id, before: t.id });
                        }}
                      >
                        <button
                          type="button"
                          class="link tcard-title"
                          onClick={() => {
                            go({ area: 'live' });
                            store.open(t.conversation_id);
                          }}
                        >
                          {t.subject || t.last_message || 'Ticket'}
                        </button>
                        <span class="muted tcard-meta">
                          {t.visitor_name || 'Visitor'} · {store.agentName(t.assignee_id) ?? 'unassigned'} · {since(t.updated_at, store.now.value)}
                        </span>
                        <label class="tcard-move">
                          <span class="sr-only">Move “{t.subject || 'this ticket'}” to</span>
                          <select value={c.id} onChange={(e) => move(t.id, e.currentTarget.value, '')}>
                            {view.board.columns
                              .filter((x) => !x.archived_at)
                              .map((x) => (
                                <option key={x.id} value={x.id}>
                                  {x.name}
                                </option>
                              ))}
                          </select>
                        </label>
                      </li>
                    ))}
                  </ol>
                </section>
              );
            })}
          {admin && <NewColumn boardId={view.board.id} onMade={(b) => setView({ ...view, board: b })} />}
        </div>
      )}
    </main>
  );
}

/** An admin's "New board": a name, then the board with a column per stage. */
function NewBoard({ onMade }: { onMade: (b: Board) => void }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState('');
  if (!open)
    return (
      <button type="button" class="btn secondary small" onClick={() => setOpen(true)}>
        New board
      </button>
    );
  return (
    <form
      class="inline-form"
      aria-label="New board"
      onSubmit={(e) => {
        e.preventDefault();
        const name = (e.currentTarget.elements.namedItem('name') as HTMLInputElement).value;
        createBoard(name).then((b) => {
          setOpen(false);
          onMade(b);
        }, (err: unknown) => setError(message(err)));
      }}
    >
      <input name="name" aria-label="Board name" placeholder="e.g. Bugs" required />
      <button type="submit" class="btn primary small">
        Make
      </button>
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

/** An admin's "Add column": a name and the stage it maps to. */
function NewColumn({ boardId, onMade }: { boardId: string; onMade: (b: Board) => void }) {
  const [error, setError] = useState('');
  return (
    <form
      class="lane new-lane"
      aria-label="Add a column"
      onSubmit={(e) => {
        e.preventDefault();
        const f = e.currentTarget.elements;
        const name = (f.namedItem('name') as HTMLInputElement).value;
        const stage = (f.namedItem('stage') as HTMLSelectElement).value as Stage;
        addColumn(boardId, name, stage).then(onMade, (err: unknown) => setError(message(err)));
      }}
    >
      <input name="name" aria-label="Column name" placeholder="New column" required />
      <select name="stage" aria-label="Stage">
        {STAGES.map((s) => (
          <option key={s.stage} value={s.stage}>
            {s.label}
          </option>
        ))}
      </select>
      <button type="submit" class="btn secondary small">
        Add column
      </button>
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
