// Node ≥ 20 as a plain CommonJS script: `require` planwire, pass `ws` as the WebSocket option, join a
// plan on the live mock server and receive a change made over REST. Exits 0 on success.
//   PLANWIRE_MATRIX_SERVER=127.0.0.1:PORT node script.cjs
const WebSocket = require('ws');
const { createPlanClient } = require('planwire');

const server = process.env.PLANWIRE_MATRIX_SERVER;
const planId = '123'; // the mock server's demo plan (alice and bob)
setTimeout(() => {
  console.error('timed out');
  process.exit(1);
}, 15_000).unref();

const post = (path, body, token) =>
  fetch(`http://${server}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  }).then((r) => (r.ok ? r.json() : Promise.reject(new Error(`${path}: HTTP ${r.status}`))));

async function main() {
  const token = (await post('/api/v1/faults/token', { userId: 1, userName: 'alice' })).token;
  const client = await createPlanClient({ url: `ws://${server}/ws`, token, WebSocket });
  const joined = new Promise((resolve) => client.on('joined', (e) => e.planId === planId && resolve()));
  const title = `created over REST (node script.cjs)`;
  const received = new Promise((resolve) => client.on('taskCreated', (e) => e.planId === planId && e.task.title === title && resolve()));
  client.join(planId);
  client.connect();
  await joined;
  await post(`/api/plans/${planId}/tasks`, { title }, token);
  await received;
  client.close();
  client.free();
  console.log(`ok: joined and received the REST change (${require.resolve('planwire')})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
