// Types through the exports map: every entry resolves, and the types are the real ones (an error is
// expected where the code is wrong). The same file is checked with moduleResolution "bundler" here and
// copied by runtimes.mjs into types-node16/ (module and moduleResolution "node16", an ES module).
import { createPlanClient, loadPlanwire, PlanClient } from 'planwire';
import type { PlanClientOptions, PlanEvents, Task } from 'planwire';
import { PlanSocketProvider, usePlanWebSocket } from 'planwire/react';
import type { UsePlanWebSocketOptions, UsePlanWebSocketResult } from 'planwire/react';
import { createTestServer } from 'planwire/testing';
import type { TestServer } from 'planwire/testing';
import wasmBase64 from 'planwire/wasm/base64';

const task: Task = { id: 1, title: 'Ship it', status: 'completed' };
const options: PlanClientOptions = { url: 'wss://example.com/ws', getToken: async () => 'token', debug: true };
const title = (e: PlanEvents['taskUpdated']): string => e.task.title;
const hookOptions: UsePlanWebSocketOptions = { planId: '123', onTaskUpdated: (t: Task) => void t.id };
const server: TestServer = createTestServer({ user: { userId: 1, userName: 'ann' } });

export async function use(): Promise<string> {
  await loadPlanwire();
  // The inlined copy of the module, by its subpath: typed as a string (not `any`).
  const base64: string = wasmBase64;
  // @ts-expect-error: a string, not a number
  const notNumber: number = wasmBase64;
  const client: PlanClient = await createPlanClient({ ...options, url: server.url, WebSocket: server.WebSocket });
  client.on('taskUpdated', (e) => title(e));
  // @ts-expect-error: not an event of PlanEvents
  client.on('taskMoved', () => {});
  // @ts-expect-error: url is required
  const bad: PlanClientOptions = { token: 'x' };
  const hook: (o: UsePlanWebSocketOptions) => UsePlanWebSocketResult = usePlanWebSocket;
  return [task.title, typeof PlanSocketProvider, typeof hook, hookOptions.planId, String(bad), base64.length, notNumber].join();
}
