/** Live presence on the board: who is here, who views or edits which task, who is typing where. */
import type { Participant, PresenceEntry, PresenceState, Task } from 'planwire';

/** What the board puts in its presence state (`usePresence`'s `updateMyPresence`). */
export interface BoardPresence extends PresenceState {
  taskId?: string | null;
  activity?: 'viewing' | 'editing' | null;
}
type Other = PresenceEntry<PresenceState>;

/** `alice` → `A`, `Mary Ann` → `MA`. */
export function initials(name: string): string {
  const parts = name.split(/[\s._-]+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[1][0] : (parts[0] ?? '?')[0];
  return letters.toUpperCase();
}

const COLORS = ['#2f6fdf', '#c2410c', '#15803d', '#9333ea', '#be123c', '#0e7490'];
/** A stable colour per user. */
export function colorOf(userId: Participant['userId']): string {
  const key = String(userId);
  let h = 0;
  for (const c of key) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return COLORS[h % COLORS.length];
}

const taskOf = (state: PresenceState | null | undefined) => (state && state.taskId != null ? String(state.taskId) : null);
const activityOf = (state: PresenceState | null | undefined) => (state?.activity === 'editing' ? 'editing' : 'viewing');

/** Who is in the room (the participants, this page's user included): one avatar each. */
export function Avatars({ participants, others, me }: { participants: Participant[]; others: Other[]; me: Participant['userId'] }) {
  return (
    <span className="avatars" data-testid="avatars">
      {participants.map((p) => {
        const isMe = String(p.userId) === String(me);
        const other = others.find((o) => String(o.userId) === String(p.userId));
        const where = taskOf(other?.state);
        const label = `${p.userName}${isMe ? ' (you)' : ''}${where ? `, ${activityOf(other?.state)} task ${where}` : ''}`;
        return (
          <span
            key={String(p.userId)}
            className={`avatar${isMe ? ' me' : ''}`}
            style={{ background: colorOf(p.userId) }}
            title={label}
            aria-label={label}
            data-testid={`avatar-${p.userName}`}
          >
            {initials(p.userName)}
          </span>
        );
      })}
    </span>
  );
}

/** The other users viewing or editing `task`: a small tag each (`marker-<taskId>-<userName>`). */
export function Markers({ task, others }: { task: Task; others: Other[] }) {
  const here = others.filter((o) => taskOf(o.state) === String(task.id));
  if (!here.length) return null;
  return (
    <span className="markers" data-testid={`markers-${task.id}`}>
      {here.map((o) => {
        const activity = activityOf(o.state);
        return (
          <span
            key={String(o.userId)}
            className={`marker ${activity}`}
            style={{ borderColor: colorOf(o.userId), color: colorOf(o.userId) }}
            title={`${o.userName} is ${activity} this task`}
            data-testid={`marker-${task.id}-${o.userName}`}
            data-user={o.userName}
            data-activity={activity}
          >
            <b>{initials(o.userName)}</b> {o.userName} {activity === 'editing' ? '✎ editing' : '◉ viewing'}
          </span>
        );
      })}
    </span>
  );
}

/** "bob is typing…" under `task` while others type in its title (`typing-<taskId>`). */
export function TypingLine({ task, others }: { task: Task; others: Other[] }) {
  const names = others.filter((o) => taskOf(o.typing) === String(task.id)).map((o) => o.userName);
  if (!names.length) return null;
  const who = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return (
    <div className="typing" data-testid={`typing-${task.id}`}>
      {who} {names.length === 1 ? 'is' : 'are'} typing…
    </div>
  );
}
