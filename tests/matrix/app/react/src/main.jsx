import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.jsx';

const server = new URLSearchParams(location.search).get('server');
const getToken = () =>
  fetch(`http://${server}/api/v1/faults/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId: 1, userName: 'alice' }),
  })
    .then((r) => r.json())
    .then((j) => j.token);

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App url={`ws://${server}/ws`} getToken={getToken} />
  </StrictMode>,
);
