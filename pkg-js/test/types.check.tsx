// Type tests of the public API with the default (undeclared) Register: checked by `tsc -p
// tsconfig.test.json` (part of `npm test`); nothing here runs. Each `@ts-expect-error` line must fail to
// compile, each `expectType<Equal<…>>()` must hold.
import { idKey, isPlanwireError, sameId } from '../src/index.js';
import type { AppPresence, AppTask, Id, PlanClient, PlanEvents, PresenceEntry, PresenceState, Task } from '../src/index.js';
import { usePlanClient, usePlanWebSocket, usePresence, usePresenceOf, useTyping } from '../src/react.js';
import type { PlanSocketError, UsePlanWebSocketOptions, UsePlanWebSocketResult, UsePresenceResult } from '../src/react.js';
import { expectType } from './expect-type.js';
import type { Equal } from './expect-type.js';

// Without a declaration, the wire's general shapes.
expectType<Equal<AppTask, Task>>();
expectType<Equal<AppPresence, PresenceState>>();

// Ids: numbers or strings, compared by value with the helpers.
expectType<Equal<Id, number | string>>();
expectType<Equal<ReturnType<typeof sameId>, boolean>>();
expectType<Equal<ReturnType<typeof idKey>, string>>();
sameId(1, '1');
// @ts-expect-error an id is a number or a string, not a task
sameId({ id: 1 }, 1);
// @ts-expect-error idKey takes an id
idKey(null);

export function Board() {
  const result = usePlanWebSocket({
    planId: '1',
    onTaskUpdated: (task, event) => {
      expectType<Equal<typeof task, Task>>();
      expectType<Equal<typeof event, PlanEvents['taskUpdated']>>();
      expectType<Equal<typeof task.id, number | string>>();
    },
    onTaskDeleted: (taskId) => expectType<Equal<typeof taskId, Id>>(),
    onTaskReordered: (taskIds) => expectType<Equal<typeof taskIds, Id[]>>(),
    onJoined: (data) => {
      expectType<Equal<typeof data, PlanEvents['joined']>>();
      expectType<Equal<typeof data.recovered, boolean | undefined>>();
    },
    onResync: ({ reason }) => expectType<Equal<typeof reason, 'gap' | 'not-recovered'>>(),
  });
  expectType<Equal<typeof result, UsePlanWebSocketResult>>();
  expectType<Equal<typeof result.attempt, number | undefined>>();
  expectType<Equal<typeof result.delayMs, number | undefined>>();
  expectType<Equal<typeof result.connectionId, string | undefined>>();
  expectType<Equal<typeof result.client, PlanClient | null>>();
  expectType<Equal<typeof result.error, PlanSocketError | null>>();
  // @ts-expect-error the result has no such field
  void result.socket;

  const client = usePlanClient();
  expectType<Equal<typeof client, PlanClient | null>>();
  // @ts-expect-error possibly null while the client loads
  client.join('1');

  const presence = usePresence('1');
  expectType<Equal<typeof presence, UsePresenceResult>>();
  expectType<Equal<typeof presence.others, PresenceEntry<PresenceState>[]>>();
  presence.updateMyPresence({ taskId: '3', gone: null });
  const bob = usePresenceOf('1', 2);
  expectType<Equal<typeof bob, PresenceEntry<PresenceState> | undefined>>();
  useTyping('1', { taskId: '3' });
  return null;
}

// Options: callbacks are checked.
const bad: UsePlanWebSocketOptions = {
  planId: '1',
  // @ts-expect-error onTaskDeleted gets an id, not a task
  onTaskDeleted: (task: Task) => task,
};
void bad;
// @ts-expect-error planId is required
usePlanWebSocket({ url: 'ws://h/ws' });

// Errors are narrowed to coded ones.
const e: unknown = new Error('x');
if (isPlanwireError(e)) expectType<Equal<typeof e.code, import('../src/index.js').ErrorCode>>();
