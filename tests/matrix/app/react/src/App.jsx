import { useEffect, useState } from 'react';
import { PlanSocketProvider, usePlanWebSocket } from 'planwire/react';

function Plan({ planId }) {
  const [updated, setUpdated] = useState([]);
  const { isConnected, participantCount, status, error } = usePlanWebSocket({
    planId,
    onTaskUpdated: (task) => setUpdated((prev) => [...prev, task.title]),
  });
  // Joined, not only connected: the participant count comes with the join confirmation.
  const joined = isConnected && participantCount > 0;
  useEffect(() => {
    window.__matrix.status = joined ? 'joined' : status;
    if (error) window.__matrix.errors.push(`hook error: ${error.code} ${error.message}`);
  }, [joined, status, error]);
  return (
    <section>
      <p id="status">{joined ? 'joined' : status}</p>
      <ul id="updated">
        {updated.map((title, i) => (
          <li key={i}>{title}</li>
        ))}
      </ul>
    </section>
  );
}

export function App({ url, getToken }) {
  return (
    <PlanSocketProvider url={url} getToken={getToken}>
      <Plan planId="123" />
    </PlanSocketProvider>
  );
}
