/**
 * The plan board: tasks over REST, live changes and presence over planwire. Live presence (extension):
 * who is here (avatars), which task each other person views or edits (markers), who types where.
 */
import { useEffect, useRef, useState } from 'react';
import type { FormEvent, FocusEvent, KeyboardEvent, MouseEvent } from 'react';
import { usePlanWebSocket, usePresence, useTyping } from 'planwire/react';
import type { Task } from 'planwire';
import { createTask, deleteTask, loadPlan, reorderTasks, updateTask } from './api';
import { planId, urlFor, user, USERS } from './config';
import { Avatars, Markers, TypingLine } from './presence';
import type { BoardPresence } from './presence';

type Change = (tasks: Task[]) => Task[];
/** Task ids arrive as numbers (inside tasks) or strings (`task-deleted`, `task-reordered`): compare them as strings. */
type TaskId = Task['id'];
const same = (a: TaskId, b: TaskId) => String(a) === String(b);

const upsert = (task: Task): Change => (tasks) =>
  tasks.some((t) => same(t.id, task.id)) ? tasks.map((t) => (same(t.id, task.id) ? task : t)) : [...tasks, task];
const remove = (taskId: TaskId): Change => (tasks) => tasks.filter((t) => !same(t.id, taskId));
const reorder = (taskIds: TaskId[]): Change => (tasks) => {
  const rank = new Map(taskIds.map((id, i) => [String(id), i]));
  return [...tasks].sort((a, b) => (rank.get(String(a.id)) ?? 1e9) - (rank.get(String(b.id)) ?? 1e9));
};

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
      <button type="submit" data-testid={`save-${task.id}`}>
        Rename
      </button>
    </form>
  );
}

export function Board() {
  const [title, setTitle] = useState('');
  const [tasks, setTasks] = useState<Task[]>([]);
  const [newTitle, setNewTitle] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const [log, setLog] = useState<string[]>([]);
  // While the plan loads, live changes wait here and are applied on top if newer than the snapshot.
  const buffered = useRef<{ change: Change; seq?: number }[] | null>(null);

  const apply = (change: Change, seq?: number) => {
    if (buffered.current) buffered.current.push({ change, seq });
    else setTasks(change);
  };
  const note = (line: string) => setLog((l) => [line, ...l].slice(0, 8));

  const { isConnected, participantCount, participants, status, error, resyncCount, reconnect } = usePlanWebSocket({
    planId,
    enabled: true,
    onTaskUpdated: (task, e) => (apply(upsert(task), e.seq), note(`task-updated #${task.id}`)),
    onTaskCreated: (task, e) => (apply(upsert(task), e.seq), note(`task-created #${task.id}`)),
    onTaskDeleted: (taskId, e) => (apply(remove(taskId), e.seq), note(`task-deleted #${taskId}`)),
    onTaskReordered: (taskIds, e) => (apply(reorder(taskIds), e.seq), note('task-reordered')),
    onUserJoined: (data) => note(`${data.userName} joined`),
    onUserLeft: (data) => note(`${data.userName ?? `user ${data.userId}`} left`),
    onResync: (data) => note(`resync (${data.reason})`),
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
    if (selected && !tasks.some((t) => same(t.id, selected))) deselect();
  }, [tasks, selected]);
  /** A click on a task (not on one of its controls) or keyboard focus on it selects it; Escape deselects. */
  const rowProps = (task: Task) => ({
    tabIndex: 0,
    onClick: (e: MouseEvent) => !(e.target as Element).closest('button, input, form, a') && select(task.id),
    onFocus: (e: FocusEvent) => e.target === e.currentTarget && select(task.id),
    onKeyDown: (e: KeyboardEvent) => e.key === 'Escape' && deselect(),
  });

  // Load on mount, after every (re)connect and on resync: the snapshot plus whatever arrived meanwhile.
  useEffect(() => {
    let current = true;
    const pending: { change: Change; seq?: number }[] = [];
    buffered.current = pending;
    loadPlan(planId).then(
      (plan) => {
        if (!current) return;
        const snapshotSeq = (plan as { seq?: number }).seq;
        setTitle(plan.title);
        setTasks(pending.reduce((t, p) => (p.seq === undefined || snapshotSeq === undefined || p.seq > snapshotSeq ? p.change(t) : t), plan.tasks));
        setFailure(null);
        buffered.current = null;
      },
      (e: Error) => {
        if (!current) return;
        setFailure(e.message);
        setTasks((t) => pending.reduce((acc, p) => p.change(acc), t));
        buffered.current = null;
      },
    );
    return () => {
      current = false;
    };
  }, [isConnected, resyncCount]);

  const run = (action: Promise<unknown>) => action.then(() => setFailure(null), (e: Error) => setFailure(e.message));
  const toggle = (task: Task) =>
    run(updateTask(task.id, { status: task.status === 'completed' ? 'not_started' : 'completed' }).then((t) => apply(upsert(t))));
  const add = (e: FormEvent) => {
    e.preventDefault();
    const text = newTitle.trim();
    if (!text) return;
    setNewTitle('');
    run(createTask(planId, text).then((t) => apply(upsert(t))));
  };
  const rename = (task: Task, text: string) => run(updateTask(task.id, { title: text }).then((t) => apply(upsert(t))));
  const drop = (task: Task) => run(deleteTask(task.id).then(() => apply(remove(task.id))));
  const move = (index: number, by: number) => {
    const ids = tasks.map((t) => String(t.id));
    [ids[index], ids[index + by]] = [ids[index + by], ids[index]];
    run(reorderTasks(planId, ids).then(() => apply(reorder(ids))));
  };

  const done = tasks.filter((t) => t.status === 'completed').length;
  return (
    <main>
      <header>
        <h1 data-testid="plan-title">{title || `Plan ${planId}`}</h1>
        <p>
          You are <b data-testid="me">{user.userName}</b>. Open as:{' '}
          {Object.keys(USERS).map((key) => (
            <a key={key} href={urlFor(key)} data-testid={`open-as-${key}`}>
              {key}
            </a>
          ))}
        </p>
        <p>
          <span data-testid="connection-status" data-status={status} className={isConnected ? 'ok' : 'bad'}>
            {isConnected ? 'connected' : status}
          </span>{' '}
          <button onClick={reconnect} data-testid="reconnect">
            Reconnect
          </button>
        </p>
        <p className="here">
          Here: <Avatars participants={participants} others={others} me={user.userId} />
        </p>
        <p>
          Participants: <b data-testid="participant-count">{participantCount}</b>{' '}
          <span data-testid="participant-names">{participants.map((p) => p.userName).join(', ')}</span>
        </p>
        {(error || failure) && (
          <p className="bad" data-testid="error">
            {failure ?? `${error!.code}: ${error!.message}`}
          </p>
        )}
      </header>

      <p data-testid="progress">
        {done} of {tasks.length} done
      </p>
      <ol data-testid="tasks">
        {tasks.map((task, i) => (
          <li
            key={task.id}
            data-testid={`task-${task.id}`}
            data-status={task.status}
            data-selected={selected === String(task.id) || undefined}
            className={selected === String(task.id) ? 'selected' : undefined}
            {...rowProps(task)}
          >
            <input type="checkbox" checked={task.status === 'completed'} onChange={() => toggle(task)} data-testid={`toggle-${task.id}`} />
            <span data-testid={`title-${task.id}`}>{task.title}</span> <small>{task.status}</small>{' '}
            <button disabled={i === 0} onClick={() => move(i, -1)} data-testid={`up-${task.id}`} aria-label="move up">
              ↑
            </button>
            <button disabled={i === tasks.length - 1} onClick={() => move(i, 1)} data-testid={`down-${task.id}`} aria-label="move down">
              ↓
            </button>
            <button onClick={() => drop(task)} data-testid={`delete-${task.id}`}>
              Delete
            </button>{' '}
            <Markers task={task} others={others} />
            {selected === String(task.id) && <TitleEditor key={String(task.id)} task={task} onEditing={setEditing} onRename={(text) => rename(task, text)} />}
            <TypingLine task={task} others={others} />
          </li>
        ))}
      </ol>
      <form onSubmit={add}>
        <input value={newTitle} onChange={(e) => setNewTitle(e.target.value)} placeholder="New task" data-testid="new-title" />
        <button type="submit" data-testid="add">
          Add
        </button>
      </form>

      <h2>Live events</h2>
      <ul data-testid="event-log">
        {log.map((line, i) => (
          <li key={log.length - i}>{line}</li>
        ))}
      </ul>
    </main>
  );
}
