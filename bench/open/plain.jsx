// The plain-WebSocket page: the same React app with `new WebSocket` in an effect; it reports the time
// from navigation start to the server's connection confirmation (the first `pong` with a userId), the
// moment planwire calls `open`.
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { report } from './report.js';

const q = new URLSearchParams(location.search);

function Board() {
  const [status, setStatus] = useState('connecting');
  useEffect(() => {
    const ws = new WebSocket(`${q.get('ws')}?token=${encodeURIComponent(q.get('token'))}`);
    ws.onmessage = (e) => {
      const frame = JSON.parse(e.data);
      if (frame.type === 'pong' && frame.data?.userId !== undefined) {
        ws.send(JSON.stringify({ type: 'join-plan', planId: q.get('plan') }));
        setStatus('open');
      }
    };
    return () => ws.close();
  }, []);
  if (status === 'open') report('plain');
  return <p>{status}</p>;
}

createRoot(document.getElementById('root')).render(<Board />);
