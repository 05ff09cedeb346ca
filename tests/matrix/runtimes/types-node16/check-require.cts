// The same package from a CommonJS file of that project (compiled to require): the `require` types.
import { createPlanClient, PlanClient } from 'planwire';
import type { PlanClientOptions, PlanEvents, Task } from 'planwire';
import { usePlanWebSocket } from 'planwire/react';
import { createTestServer } from 'planwire/testing';

export async function useFromCommonJs(): Promise<Task['id']> {
  const server = createTestServer();
  const options: PlanClientOptions = { url: server.url, WebSocket: server.WebSocket };
  const client: PlanClient = await createPlanClient(options);
  client.on('taskCreated', (e: PlanEvents['taskCreated']) => void e.task.title);
  // @ts-expect-error: not an event of PlanEvents
  client.on('taskMoved', () => {});
  return typeof usePlanWebSocket === 'function' ? 1 : 'none';
}
