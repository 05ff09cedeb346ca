// Node 20 has no global WebSocket: without the option the client refuses with NO_WEBSOCKET, it does
// not crash. Prints the error's message; exits 1 if nothing was thrown.
import { createPlanClient } from 'planwire';

if (typeof globalThis.WebSocket !== 'undefined') {
  console.log('SKIP: this Node has a global WebSocket');
  process.exit(0);
}
try {
  const client = await createPlanClient({ url: 'ws://127.0.0.1:1/ws', token: 'x' });
  client.connect();
  console.log(`no error; state ${client.state}`);
  process.exit(1);
} catch (e) {
  console.log(e.message);
}
