// The Register declaration, as an app writes it (`declare module 'planwire'`; here the package's source
// path): every hook then hands out the app's own task, presence and typing types. Its own program
// (`tsc -p test/register`, part of `npm test`), since a declaration applies to the whole program.
import { usePlanWebSocket, usePresence, usePresenceOf, useTyping } from '../../src/react.js';
import type { AppPresence, AppTask, AppTyping, PresenceEntry } from '../../src/react.js';
import { expectType } from '../expect-type.js';
import type { Equal } from '../expect-type.js';

interface MyTask {
  id: number;
  title: string;
  status: 'todo' | 'doing' | 'done';
  assignee?: string;
}
interface MyPresence {
  taskId?: string;
  activity?: 'viewing' | 'editing';
}

declare module '../../src/index.js' {
  interface Register {
    task: MyTask;
    presence: MyPresence;
    typing: { taskId: string };
  }
}

expectType<Equal<AppTask, MyTask>>();
expectType<Equal<AppPresence, MyPresence>>();
expectType<Equal<AppTyping, { taskId: string }>>();

export function Board() {
  usePlanWebSocket({
    planId: '1',
    onTaskUpdated: (task) => {
      expectType<Equal<typeof task, MyTask>>();
      expectType<Equal<typeof task.status, 'todo' | 'doing' | 'done'>>();
      // @ts-expect-error not a field of MyTask
      void task.priority;
    },
    onTaskCreated: (task) => expectType<Equal<typeof task, MyTask>>(),
  });
  const { others, myPresence, updateMyPresence } = usePresence('1');
  expectType<Equal<typeof others, PresenceEntry<MyPresence>[]>>();
  expectType<Equal<typeof myPresence, MyPresence | undefined>>();
  updateMyPresence({ activity: 'editing' });
  updateMyPresence({ taskId: null });
  // @ts-expect-error not an activity of MyPresence
  updateMyPresence({ activity: 'sleeping' });
  const bob = usePresenceOf('1', 2);
  expectType<Equal<NonNullable<typeof bob>['state'], MyPresence | null | undefined>>();
  useTyping('1', { taskId: '3' });
  // @ts-expect-error the typing mark is { taskId: string }
  useTyping('1', { field: 'title' });
  return null;
}
