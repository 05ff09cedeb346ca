// The planwire page: a React app whose board joins a plan through the hooks; it reports the time from
// navigation start to the first `status === 'open'` (the server's connection confirmation).
import { createRoot } from 'react-dom/client';
import { PlanSocketProvider, usePlanWebSocket } from 'planwire/react';
import { report } from './report.js';

const q = new URLSearchParams(location.search);

function Board() {
  const { status } = usePlanWebSocket({ planId: q.get('plan') });
  if (status === 'open') report('planwire');
  return <p>{status}</p>;
}

createRoot(document.getElementById('root')).render(
  <PlanSocketProvider url={q.get('ws')} token={q.get('token')}>
    <Board />
  </PlanSocketProvider>,
);
