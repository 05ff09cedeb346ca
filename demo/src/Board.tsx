/**
 * The plan board: a kanban of the plan's tasks by status, kept synchronized by the client (`usePlan`:
 * snapshot + live changes in order, reloads after a resync, writes shown at once and rolled back on
 * failure), with the room's participants, the connection status and live presence (who views or edits
 * which task, who is typing where).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { DragEvent, FocusEvent, FormEvent, KeyboardEvent, MouseEvent } from 'react';
import { sameId, usePlan, usePlanWebSocket, usePresence, useTyping } from 'planwire/react';
import type { Task } from 'planwire';
import { usePlanTitle } from './api';
import { planId, urlFor, user, USERS } from './config';
import { Avatars, Markers, TypingLine } from './presence';
import type { BoardPresence } from './presence';

type TaskId = Task['id'];
type Others = ReturnType<typeof usePresence>['others'];

/** The columns: the mock server's statuses, in order. */
const COLUMNS = [
  { status: 'not_started', label: 'To do' },
  { status: 'in_progress', label: 'In progress' },
  { status: 'completed', label: 'Done' },
] as const;
type Status = (typeof COLUMNS)[number]['status'];
/** The column a task shows in (a status the board does not know goes to the first). */
const columnOf = (task: Task): Status => (COLUMNS.some((c) => c.status === task.status) ? (task.status as Status) : 'not_started');
/** A task being added: the client names it `pending-<n>` until the server answers. */
const isDraft = (id: TaskId) => String(id).startsWith('pending-');
/** Where a dragged or moved task goes: a column, before a task of it or (`null`) at its end. */
interface Spot {
  status: Status;
  beforeId: string | null;
}

/** A write's failure as the banner says it: the client's coded error (`CODE: explanation`). */
const describe = (what: string, e: unknown) => `${what} failed — ${(e as Error)?.message ?? String(e)}. The change was undone.`;

/**
 * The selected task's title field: focusing it is "editing", keys pressed in it mark this user typing
 * there (`useTyping`), Enter renames the task.
 */
function TitleEditor({ task, onEditing, onRename }: { task: Task; onEditing: (editing: boolean) => void; onRename: (title: string) => void }) {
  const [draft, setDraft] = useState(task.title);
  const typing = useTyping(planId, { taskId: String(task.id) });
  const save = (e: FormEvent) => {
    e.preventDefault();
    typing.onBlur(); // saved: no longer typing
    const text = draft.trim();
    if (text && text !== task.title) onRename(text);
  };
  return (
    <form className="editor" onSubmit={save}>
      <input
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        // useTyping's handlers, plus: Escape, Tab and Enter (leave, save) are not typing; focus is "editing".
        onKeyDown={(e) => !['Escape', 'Tab', 'Enter'].includes(e.key) && typing.onKeyDown()}
        onFocus={() => onEditing(true)}
        onBlur={() => (typing.onBlur(), onEditing(false))}
        aria-label={`Title of task ${task.id}`}
        data-testid={`rename-${task.id}`}
      />
      <button type="submit" className="btn small primary" data-testid={`save-${task.id}`}>
        Rename
      </button>
    </form>
  );
}

interface CardProps {
  task: Task;
  index: number;
  column: Task[];
  columnIndex: number;
  selected: boolean;
  pending: boolean;
  locked: boolean;
  dropBefore: boolean;
  dragging: boolean;
  others: Others;
  onSelect: (id: TaskId) => void;
  onDeselect: () => void;
  onEditing: (editing: boolean) => void;
  onMove: (task: Task, to: Spot) => void;
  onToggle: (task: Task) => void;
  onRename: (task: Task, title: string) => void;
  onDelete: (task: Task) => void;
  onDragStart: (task: Task, e: DragEvent) => void;
  onDragEnd: () => void;
}

/** One task: title, status toggle, delete, move buttons (and Alt+arrows), presence markers, the title editor when selected. */
function Card(props: CardProps) {
  const { task, index, column, columnIndex, selected, pending, locked, others } = props;
  const id = String(task.id);
  const draft = isDraft(task.id);
  const [editing, setEditing] = useState(false);
  const prev = COLUMNS[columnIndex - 1]?.status;
  const next = COLUMNS[columnIndex + 1]?.status;
  const status = COLUMNS[columnIndex].status;
  const moves = {
    up: index > 0 ? { status, beforeId: String(column[index - 1].id) } : null,
    down: index < column.length - 1 ? { status, beforeId: column[index + 2] ? String(column[index + 2].id) : null } : null,
    left: prev ? { status: prev, beforeId: null } : null,
    right: next ? { status: next, beforeId: null } : null,
  };
  const canMove = !draft && !locked;
  const move = (to: Spot | null) => to && canMove && props.onMove(task, to);
  const keys: Record<string, Spot | null> = { ArrowUp: moves.up, ArrowDown: moves.down, ArrowLeft: moves.left, ArrowRight: moves.right };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') return props.onDeselect();
    if (e.target !== e.currentTarget) return; // keys in the title field are its own
    if (e.altKey && e.key in keys) {
      e.preventDefault();
      move(keys[e.key]);
    } else if (e.key === 'Delete' && !draft) props.onDelete(task);
  };
  const classes = ['card', selected && 'selected', pending && 'pending', draft && 'draft', props.dropBefore && 'drop-before', props.dragging && 'dragging'];
  return (
    <li
      className={classes.filter(Boolean).join(' ')}
      data-testid={`task-${id}`}
      data-task-id={id}
      data-status={task.status}
      data-selected={selected || undefined}
      data-pending={pending || undefined}
      tabIndex={draft ? -1 : 0}
      aria-label={`${task.title}, ${COLUMNS[columnIndex].label}${pending ? ', saving' : ''}. Alt+arrow keys move it.`}
      draggable={canMove && !editing}
      onDragStart={(e) => props.onDragStart(task, e)}
      onDragEnd={props.onDragEnd}
      onClick={(e: MouseEvent) => !draft && !(e.target as Element).closest('button, input, form, a') && props.onSelect(task.id)}
      onFocus={(e: FocusEvent) => !draft && e.target === e.currentTarget && props.onSelect(task.id)}
      onKeyDown={onKeyDown}
    >
      <div className="card-top">
        <input
          type="checkbox"
          className="check"
          checked={task.status === 'completed'}
          disabled={draft}
          onChange={() => props.onToggle(task)}
          aria-label={task.status === 'completed' ? 'Mark as not done' : 'Mark as done'}
          data-testid={`toggle-${id}`}
        />
        <span className="card-title" data-testid={`title-${id}`}>
          {task.title}
        </span>
        <button className="icon danger" disabled={draft} onClick={() => props.onDelete(task)} aria-label="Delete task" title="Delete task" data-testid={`delete-${id}`}>
          ×
        </button>
      </div>
      <Markers task={task} others={others} />
      {selected && (
        <TitleEditor
          key={id}
          task={task}
          onEditing={(on) => (setEditing(on), props.onEditing(on))}
          onRename={(title) => props.onRename(task, title)}
        />
      )}
      <TypingLine task={task} others={others} />
      <div className="card-foot">
        {pending ? (
          <span className="saving" data-testid={`pending-${id}`}>
            <span className="spinner" aria-hidden /> {draft ? 'Adding…' : 'Saving…'}
          </span>
        ) : (
          <span className="task-id">#{id}</span>
        )}
        <span className="moves" role="group" aria-label="Move task">
          <button className="icon" disabled={!canMove || !moves.left} onClick={() => move(moves.left)} aria-label="Move to previous column" title="Move left (Alt+←)" data-testid={`left-${id}`}>
            ←
          </button>
          <button className="icon" disabled={!canMove || !moves.up} onClick={() => move(moves.up)} aria-label="Move up" title="Move up (Alt+↑)" data-testid={`up-${id}`}>
            ↑
          </button>
          <button className="icon" disabled={!canMove || !moves.down} onClick={() => move(moves.down)} aria-label="Move down" title="Move down (Alt+↓)" data-testid={`down-${id}`}>
            ↓
          </button>
          <button className="icon" disabled={!canMove || !moves.right} onClick={() => move(moves.right)} aria-label="Move to next column" title="Move right (Alt+→)" data-testid={`right-${id}`}>
            →
          </button>
        </span>
      </div>
    </li>
  );
}

export function Board() {
  const title = usePlanTitle(planId);
  const plan = usePlan(planId);
  const { tasks, progress, pending } = plan;
  const [newTitle, setNewTitle] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [log, setLog] = useState<{ at: string; text: string }[]>([]);
  const note = (text: string) => setLog((l) => [{ at: new Date().toLocaleTimeString(), text }, ...l].slice(0, 8));

  // The room: connection, participants; its events only feed the activity list (the plan is usePlan's).
  const { isConnected, participantCount, participants, status, error, reconnect } = usePlanWebSocket({
    planId,
    onTaskCreated: (task) => note(`Added “${task.title}”`),
    onTaskUpdated: (task) => note(`Updated “${task.title}” (${task.status.replace('_', ' ')})`),
    onTaskDeleted: (taskId) => note(`Deleted task #${taskId}`),
    onTaskReordered: () => note('Reordered the tasks'),
    onUserJoined: (data) => note(`${data.userName} joined`),
    onUserLeft: (data) => note(`${data.userName ?? `user ${data.userId}`} left`),
    onResync: (data) => note(`Reloaded the plan (${data.reason})`),
  });

  // Presence: the selected task is "viewing", "editing" while its title field has the focus.
  const { others, updateMyPresence } = usePresence(planId);
  const [selected, setSelected] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const select = (taskId: TaskId) => setSelected(String(taskId));
  const deselect = () => (setSelected(null), setEditing(false));
  const announced = useRef(false);
  useEffect(() => {
    if (!selected && !announced.current) return; // nothing to clear yet
    announced.current = true;
    const state: BoardPresence = selected ? { taskId: selected, activity: editing ? 'editing' : 'viewing' } : { taskId: null, activity: null };
    updateMyPresence(state);
  }, [selected, editing, updateMyPresence]);
  // The selected task was deleted (here or elsewhere): nothing is selected any more.
  useEffect(() => {
    if (selected && plan.status !== 'loading' && !tasks.some((t) => sameId(t.id, selected))) deselect();
  }, [tasks, selected, plan.status]);

  const columns = useMemo(() => {
    const by = new Map<Status, Task[]>(COLUMNS.map((c) => [c.status, []]));
    for (const t of tasks) by.get(columnOf(t))!.push(t);
    return by;
  }, [tasks]);
  const pendingIds = useMemo(() => new Set(pending), [pending]);
  // Reordering names every task of the plan: not while one is still being added (it has no id yet).
  const adding = tasks.some((t) => isDraft(t.id));

  // Writes: shown at once by the client; a failure is rolled back there and shown here.
  const run = (what: string, action: Promise<unknown>) => action.catch((e) => setFailure(describe(what, e)));
  const toggle = (task: Task) => run('Changing the status', plan.updateTask(task.id, { status: task.status === 'completed' ? 'not_started' : 'completed' }));
  const rename = (task: Task, text: string) => run('Renaming', plan.updateTask(task.id, { title: text }));
  const remove = (task: Task) => run('Deleting', plan.deleteTask(task.id));
  const add = (e: FormEvent) => {
    e.preventDefault();
    const text = newTitle.trim();
    if (!text || loading) return;
    setNewTitle('');
    run('Adding', plan.createTask({ title: text }));
  };

  /** Keyboard focus follows a task moved with its buttons or Alt+arrows (its card is a new element in another column). */
  const refocus = useRef<string | null>(null);
  useEffect(() => {
    if (!refocus.current) return;
    const card = document.querySelector<HTMLElement>(`[data-testid="task-${refocus.current}"]`);
    const lost = !document.activeElement || document.activeElement === document.body;
    if (card && lost) card.focus();
    refocus.current = null;
  }, [tasks]);

  /** Moves `task` to `to`: its status if the column changes, and the plan's order (every task id). */
  const move = (task: Task, to: Spot) => {
    if (adding || isDraft(task.id) || (to.beforeId !== null && sameId(to.beforeId, task.id))) return;
    const rest = tasks.filter((t) => !sameId(t.id, task.id));
    let at = to.beforeId === null ? -1 : rest.findIndex((t) => sameId(t.id, to.beforeId!));
    if (at < 0) {
      let last = -1;
      rest.forEach((t, i) => columnOf(t) === to.status && (last = i));
      at = last >= 0 ? last + 1 : rest.length;
    }
    const ids = rest.map((t) => t.id);
    ids.splice(at, 0, task.id);
    if (document.activeElement?.closest('[data-task-id]')) refocus.current = String(task.id);
    if (columnOf(task) !== to.status) run('Moving', plan.updateTask(task.id, { status: to.status }));
    if (ids.some((id, i) => !sameId(id, tasks[i].id))) run('Reordering', plan.reorderTasks(ids));
  };

  // Drag and drop (HTML5): the spot under the pointer is the first card of the column whose middle is below it.
  const [dragged, setDragged] = useState<string | null>(null);
  const [spot, setSpot] = useState<Spot | null>(null);
  const dragStart = (task: Task, e: DragEvent) => {
    e.dataTransfer.setData('text/plain', String(task.id));
    e.dataTransfer.effectAllowed = 'move';
    setDragged(String(task.id));
  };
  const dragEnd = () => (setDragged(null), setSpot(null));
  const spotAt = (e: DragEvent<HTMLElement>, status: Status): Spot => {
    const cards = [...e.currentTarget.querySelectorAll<HTMLElement>('[data-task-id]')].filter((c) => c.dataset.taskId !== dragged);
    const below = cards.find((c) => {
      const r = c.getBoundingClientRect();
      return e.clientY < r.top + r.height / 2;
    });
    return { status, beforeId: below?.dataset.taskId ?? null };
  };
  const columnDrag = (status: Status) => ({
    onDragOver: (e: DragEvent<HTMLElement>) => {
      if (!dragged) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      const at = spotAt(e, status);
      if (spot?.status !== at.status || spot.beforeId !== at.beforeId) setSpot(at);
    },
    onDragLeave: (e: DragEvent<HTMLElement>) => {
      if (spot?.status === status && !e.currentTarget.contains(e.relatedTarget as Node | null)) setSpot(null);
    },
    onDrop: (e: DragEvent<HTMLElement>) => {
      e.preventDefault();
      const task = tasks.find((t) => sameId(t.id, dragged ?? e.dataTransfer.getData('text/plain')));
      if (task) move(task, spotAt(e, status));
      dragEnd();
    },
  });

  const loading = plan.status === 'loading';
  // Why the plan cannot be shown: its last load failed (retried), or the room refused this user.
  const problem = plan.error;
  const retried = problem && !['FORBIDDEN', 'NOT_FOUND'].includes(problem.code);
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden>
            ◆
          </span>
          <div>
            <h1 data-testid="plan-title">{title || `Plan ${planId}`}</h1>
            <div className="sub">
              Plan {planId} · {tasks.length} {tasks.length === 1 ? 'task' : 'tasks'}
              {plan.status === 'resyncing' && (
                <span className="pill warn">
                  Reloading…
                </span>
              )}
            </div>
          </div>
        </div>
        <div className="presence">
          <Avatars participants={participants} others={others} me={user.userId} />
          <div className="online">
            <b data-testid="participant-count">{participantCount}</b> online{participants.length ? ' · ' : ''}
            <span data-testid="participant-names">{participants.map((p) => p.userName).join(', ')}</span>
          </div>
        </div>
        <div className="conn">
          <span data-testid="connection-status" data-status={status} className={`pill ${isConnected ? 'ok' : 'bad'}`}>
            {isConnected ? 'connected' : status}
          </span>
          <button className="btn small" onClick={reconnect} data-testid="reconnect">
            Reconnect
          </button>
        </div>
      </header>

      <section className="progress" aria-label="Progress">
        <div
          className="bar"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={progress.completionPercentage}
          data-testid="progress-bar"
        >
          <div className="fill" style={{ width: `${progress.completionPercentage}%` }} />
        </div>
        <span className="progress-text">
          <b data-testid="progress-percent">{progress.completionPercentage}%</b>{' '}
          <span data-testid="progress">
            {progress.completedTasks} of {progress.totalTasks} done
          </span>
        </span>
      </section>

      {error && !(problem && error.planId === planId && error.code === problem.code) && (
        <p className="banner bad" data-testid="error" role="alert">
          {`${error.code}: ${error.message}`}
        </p>
      )}
      {problem && (
        <p className="banner bad" data-testid="load-error" data-code={problem.code} role="alert">
          Couldn’t load the plan — {problem.code}: {problem.message}
          {retried ? '. Retrying…' : '.'}
        </p>
      )}
      {failure && (
        <p className="banner warn" data-testid="write-error" role="alert">
          {failure}
          <button className="btn small" onClick={() => setFailure(null)} data-testid="dismiss-error">
            Dismiss
          </button>
        </p>
      )}

      <div className="layout">
        <div className={`board${loading ? ' loading' : ''}`} data-testid="tasks" data-status={plan.status} aria-busy={loading}>
          {COLUMNS.map((c, ci) => {
            const list = columns.get(c.status)!;
            const dropHere = spot?.status === c.status;
            return (
              <section key={c.status} className={`column ${c.status}${dropHere ? ' drop-target' : ''}`} data-testid={`column-${c.status}`} aria-label={c.label} {...columnDrag(c.status)}>
                <h2>
                  <span className="dot" aria-hidden /> {c.label}{' '}
                  <span className="count" data-testid={`count-${c.status}`}>
                    {list.length}
                  </span>
                </h2>
                <ol className={`cards${dropHere && spot.beforeId === null ? ' drop-end' : ''}`}>
                  {loading && !problem && (
                    <li className="skeleton">
                      Loading plan…
                    </li>
                  )}
                  {list.map((task, i) => (
                    <Card
                      key={String(task.id)}
                      task={task}
                      index={i}
                      column={list}
                      columnIndex={ci}
                      selected={selected === String(task.id)}
                      pending={pendingIds.has(String(task.id))}
                      locked={adding}
                      dropBefore={dropHere && spot.beforeId === String(task.id)}
                      dragging={dragged === String(task.id)}
                      others={others}
                      onSelect={select}
                      onDeselect={deselect}
                      onEditing={setEditing}
                      onMove={move}
                      onToggle={toggle}
                      onRename={rename}
                      onDelete={remove}
                      onDragStart={dragStart}
                      onDragEnd={dragEnd}
                    />
                  ))}
                  {!loading && !list.length && <li className="empty">Drop a task here</li>}
                </ol>
                {c.status === 'not_started' && (
                  <form className="add" onSubmit={add}>
                    <input value={newTitle} onChange={(e) => setNewTitle(e.target.value)} disabled={loading} placeholder="Add a task…" aria-label="New task title" data-testid="new-title" />
                    <button type="submit" className="btn primary" disabled={loading || !newTitle.trim()} data-testid="add">
                      Add
                    </button>
                  </form>
                )}
              </section>
            );
          })}
        </div>

        <aside className="side">
          <h2>Activity</h2>
          <ul className="activity" data-testid="event-log">
            {log.map((line, i) => (
              <li key={log.length - i}>
                <time>{line.at}</time> {line.text}
              </li>
            ))}
            {!log.length && <li className="muted">Changes to the plan show up here, as they reach this page.</li>}
          </ul>
          <h2>You</h2>
          <p className="me-line">
            Signed in as <b data-testid="me">{user.userName}</b>
          </p>
          <p className="switch">
            Open as{' '}
            {Object.keys(USERS).map((key) => (
              <a key={key} href={urlFor(key)} className={key === user.userName ? 'current' : undefined} data-testid={`open-as-${key}`}>
                {key}
              </a>
            ))}
          </p>
          <p className="hint">Drag cards between columns, or focus one and use Alt+arrow keys. Click a card to rename it.</p>
        </aside>
      </div>
    </div>
  );
}
