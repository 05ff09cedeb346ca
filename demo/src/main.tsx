import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { PlanSocketProvider } from 'planwire/react';
import { planApi } from './api';
import { Board } from './Board';
import { getToken, userKey, wsUrl } from './config';
import './style.css';

// The client loads and writes the plan itself (REST at the socket's origin); `planApi` only keeps its title.
// StrictMode on purpose: the e2e test checks it still opens exactly one socket and one join.
// `shareConnection={userKey}`: a user's windows of this browser share one connection (not alice's with bob's).
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <PlanSocketProvider url={wsUrl} getToken={getToken} api={planApi} shareConnection={userKey}>
      <Board />
    </PlanSocketProvider>
  </StrictMode>,
);
