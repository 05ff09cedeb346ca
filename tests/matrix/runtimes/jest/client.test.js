// Jest with its default configuration (CommonJS, node environment, no transform of its own): the
// package through `require` (its CommonJS entry), the client driven by planwire/testing's fake server.
const { createPlanClient } = require('planwire');
const { createTestServer } = require('planwire/testing');

test('require() resolves the CommonJS entries', () => {
  for (const entry of ['planwire', 'planwire/react', 'planwire/testing']) {
    expect(require.resolve(entry)).toMatch(/[\\/]node_modules[\\/]planwire[\\/]dist[\\/]cjs[\\/][a-z]+\.cjs$/);
  }
});

test('a client made with require() receives a task pushed by createTestServer', async () => {
  const server = createTestServer({ user: { userId: 1, userName: 'ann' } });
  const client = await createPlanClient({ url: server.url, WebSocket: server.WebSocket, token: 'test-token' });
  try {
    const updated = new Promise((resolve) => client.on('taskUpdated', (e) => resolve(e)));
    client.join('123');
    client.connect();
    await server.waitForJoin('123');
    server.taskUpdated('123', { id: 1, title: 'Ship it', status: 'completed' });
    const event = await updated;
    expect(event.planId).toBe('123');
    expect(event.task).toEqual({ id: 1, title: 'Ship it', status: 'completed' });
    expect(client.state).toBe('open');
    expect(client.participantCount('123')).toBe(1);
  } finally {
    client.close();
    client.free();
  }
});

test('planwire/react is CommonJS too, and shares the one module', () => {
  const react = require('planwire/react');
  expect(typeof react.usePlanWebSocket).toBe('function');
  expect(typeof react.PlanSocketProvider).toBe('function');
});
