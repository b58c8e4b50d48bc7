// The ticket boards (issue 15): the tickets by stage, in columns an agent
// drags them across (or moves them with the keyboard: each card has a
// "Move to" list). A move shows at once and is corrected by the server's
// answer; moves made on other desks arrive as ticket events and take
// their place without a reload. Its own chunk (Desk.tsx).
import { useEffect, useRef, useState } from 'preact/hooks';
import { since } from '../../shared/format';
import type { Stage } from '../../shared/protocol';
import { ApiError, getWorkspace, type Me } from '../api';
import { MANAGE_ANY, MANAGE_BOARDS } from '../permissions';
import { go, href } from '../router';
import type { DeskStore } from '../store';
import { addColumn, type Board, type BoardView, createBoard, getBoard, listBoards, moveTicket, type Ticket } from './api';
import { Drawer, Options, PRIORITIES } from './Drawer';
import { NewTicket } from './NewTicket';
import { BoardSettings } from './Settings';
import { arrange, dueMatches, guessRank, upsert } from './place';
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
  const [open, setOpen] = useState('');
  const [types, setTypes] = useState<string[]>([]);
  const [filter, setFilter] = useState({ q: '', priority: '', who: '', type: '', dept: '', due: '' });
  const admin = store.can(MANAGE_BOARDS);

  useEffect(() => {
    listBoards().then(setBoards, (err: unknown) => setError(message(err)));
    getWorkspace().then((w) => setTypes(w.settings.ticket_types ?? []), () => undefined);
  }, []);
  const current = boards && (boards.find((b) => b.id === id) ?? boards[0]);
  const isDefault = !!boards && !!current && boards[0].id === current.id;
  const load = () => current && getBoard(current.id).then(setView, (err: unknown) => setError(message(err)));
  useEffect(() => void load(), [current?.id]);

  const columns = view ? arrange(view.board, view.tickets, isDefault) : new Map<string, Ticket[]>();
  const me = store.me.value?.id;
  const q = filter.q.trim().toLowerCase();
  // The filters narrow what shows; moves still count every ticket's place.
  const shown = (t: Ticket) =>
    (!q || [t.subject, t.visitor_name, t.visitor_email ?? '', ...t.tags].some((x) => x.toLowerCase().includes(q))) &&
    (!filter.priority || t.priority === filter.priority) &&
    (!filter.type || t.type === filter.type) &&
    (!filter.who || (filter.who === 'me' ? t.assignee_id === me : !t.assignee_id)) &&
    (!filter.dept || (filter.dept === 'none' ? !t.department_id : t.department_id === filter.dept)) &&
    dueMatches(t, filter.due, store.now.value);
  const opened = view?.tickets.find((t) => t.id === open);
  const openChat = (conversationId: string) => {
    go({ area: 'live' });
    store.open(conversationId);
  };
  // A column of the default board that shows tickets no agent placed: a
  // move into it places them all (server side), so the board is read again.
  const unplacedIn = (col: string) => (columns.get(col) ?? []).some((t) => !t.board_id);

  // Moves made on other desks (and our own, echoed) take their place; a
  // board changed (or renumbered) is read again. Every event is heard,
  // several may come in one message.
  const latest = useRef({ view, load, unplacedIn });
  latest.current = { view, load, unplacedIn };
  useEffect(() => {
    const mine = store.me.value?.department_ids ?? [];
    const seeAll = store.can(MANAGE_ANY);
    const onTicket = (t: Ticket) => {
      const { view: v, load: reload, unplacedIn: unplaced } = latest.current;
      if (!v || (t.department_id && !seeAll && !mine.includes(t.department_id))) return;
      if (t.board_id === v.board.id && t.column_id && unplaced(t.column_id)) void reload();
      else setView((cur) => cur && { ...cur, tickets: upsert(cur.tickets, t) });
    };
    const onBoard = (b: Board) => {
      setBoards((list) => list && [...list.filter((x) => x.id !== b.id), ...(b.archived_at ? [] : [b])].sort((x, y) => x.position - y.position));
      if (latest.current.view?.board.id === b.id) void latest.current.load();
    };
    store.ticketListeners.add(onTicket);
    store.boardListeners.add(onBoard);
    return () => {
      store.ticketListeners.delete(onTicket);
      store.boardListeners.delete(onBoard);
    };
  }, []);

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
    // A closed column is ordered by when each closed: no place in it to ask for.
    moveTicket(ticketId, col, stage === 'closed' ? '' : before).then(
      (saved) => (reread ? void load() : setView((v) => v && { ...v, tickets: upsert(v.tickets, saved) })),
      (err: unknown) => {
        void load(); // what the board is now, whatever happened meanwhile
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
          {error || (boards ? 'No board to show.' : 'Loading boards…')}
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
      {admin && view && <BoardSettings key={`${view.board.id}-${view.board.updated_at}`} board={view.board} place={boards.findIndex((b) => b.id === view.board.id)} count={boards.length} />}
      <div class="board-filters" role="search">
        <input type="search" aria-label="Search tickets" placeholder="Subject, visitor or tag" value={filter.q} onInput={(e) => setFilter({ ...filter, q: e.currentTarget.value })} />
        <select aria-label="Priority" value={filter.priority} onChange={(e) => setFilter({ ...filter, priority: e.currentTarget.value })}>
          <option value="">Any priority</option>
          <Options values={PRIORITIES} />
        </select>
        <select aria-label="Type" value={filter.type} onChange={(e) => setFilter({ ...filter, type: e.currentTarget.value })}>
          <option value="">Any type</option>
          <Options values={types} />
        </select>
        <select aria-label="Department" value={filter.dept} onChange={(e) => setFilter({ ...filter, dept: e.currentTarget.value })}>
          <option value="">Any department</option>
          <option value="none">No department</option>
          {store.departments.value.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
        <select aria-label="Due" value={filter.due} onChange={(e) => setFilter({ ...filter, due: e.currentTarget.value })}>
          <option value="">Any due date</option>
          <option value="overdue">Overdue</option>
          <option value="week">Due within 7 days</option>
          <option value="none">No due date</option>
        </select>
        <select aria-label="Assignee" value={filter.who} onChange={(e) => setFilter({ ...filter, who: e.currentTarget.value })}>
          <option value="">Anyone's</option>
          <option value="me">Mine</option>
          <option value="none">Unassigned</option>
        </select>
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {opened && (
        <Drawer
          me={me ?? ''}
          ticket={opened}
          types={types}
          departments={store.departments.value}
          chats={[...store.conversations.value.values()]
            .filter((c) => c.assignee_id === me && c.status !== 'closed' && c.ticket_id !== opened.id)
            .map((c) => ({ id: c.id, name: store.displayName(c.visitor_id), last_message: c.last_message }))}
          others={(view?.tickets ?? []).filter((t) => t.id !== opened.id && t.status === 'open' && !t.merged_into)}
          onClose={() => setOpen('')}
          onOpenChat={openChat}
          onOpen={setOpen}
        />
      )}
      {!view ? (
        <p class="muted">Loading…</p>
      ) : (
        <div class="kanban">
          {view.board.columns
            .filter((c) => !c.archived_at)
            .map((c) => {
              const list = (columns.get(c.id) ?? []).filter(shown);
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
                        <button type="button" class="link tcard-title" aria-haspopup="dialog" onClick={() => setOpen(t.id)}>
                          {t.subject || t.last_message || 'Ticket'}
                        </button>
                        <span class="muted tcard-meta">
                          {t.visitor_name || (t.conversation_id ? 'Visitor' : 'No requester')} · {store.agentName(t.assignee_id) ?? 'unassigned'} · {since(t.updated_at, store.now.value)}
                        </span>
                        {(t.priority !== 'normal' || t.type || t.due_at || t.tags.length > 0) && (
                          <span class="tcard-tags">
                            {t.priority !== 'normal' && <span class={`pill prio-${t.priority}`}>{t.priority}</span>}
                            {t.type && <span class="pill">{t.type}</span>}
                            {t.due_at && (
                              <span class={new Date(t.due_at).getTime() < store.now.value && t.status === 'open' ? 'pill overdue' : 'pill'}>
                                due {new Date(t.due_at).toLocaleDateString()}
                              </span>
                            )}
                            {t.tags.map((x) => (
                              <span key={x} class="pill tag">
                                {x}
                              </span>
                            ))}
                          </span>
                        )}
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
                  {c.stage !== 'closed' && (
                    <NewTicket
                      columnId={c.id}
                      columnName={c.name}
                      me={me ?? ''}
                      types={types}
                      onMade={(t) => setView((cur) => cur && { ...cur, tickets: upsert(cur.tickets, t) })}
                    />
                  )}
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
