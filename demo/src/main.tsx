import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { PlanSocketProvider } from 'planwire/react';
import { Board } from './Board';
import { getToken, wsUrl } from './config';
import './style.css';

// StrictMode on purpose: the e2e test checks it still opens exactly one socket and one join.
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <PlanSocketProvider url={wsUrl} getToken={getToken}>
      <Board />
    </PlanSocketProvider>
  </StrictMode>,
);
