// The page without React: a plain client from `createPlanClient`, however the page got it (bundled from
// `planwire`, or imported from node_modules by URL).
export function start(createPlanClient) {
  const server = new URLSearchParams(location.search).get('server');
  const status = document.getElementById('status');
  const list = document.getElementById('updated');
  const getToken = () =>
    fetch(`http://${server}/api/v1/faults/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: 1, userName: 'alice' }),
    })
      .then((r) => r.json())
      .then((j) => j.token);
  const show = (text) => {
    status.textContent = text;
    window.__matrix.status = text;
  };
  createPlanClient({ url: `ws://${server}/ws`, getToken }).then(
    (client) => {
      client.on('stateChanged', ({ state }) => state !== 'open' && show(state));
      client.on('joined', ({ planId }) => planId === '123' && show('joined'));
      client.on('error', (e) => window.__matrix.errors.push(`client error: ${e.code} ${e.message}`));
      client.on('taskUpdated', ({ task }) => {
        const li = document.createElement('li');
        li.textContent = task.title;
        list.append(li);
      });
      client.join('123');
      client.connect();
    },
    (e) => {
      show('error');
      window.__matrix.errors.push(`createPlanClient: ${e && e.stack ? e.stack : e}`);
    },
  );
}
