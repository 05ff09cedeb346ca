'use client';
import { useEffect, useState } from 'react';
import { usePlanWebSocket } from 'planwire/react';

export function Live({ url, token, planId }) {
  const [title, setTitle] = useState('none');
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const { status, participantCount } = usePlanWebSocket({
    planId,
    url,
    token,
    onTaskCreated: (task) => setTitle(task.title),
    onTaskUpdated: (task) => setTitle(task.title),
  });
  return (
    <p id="live">
      {hydrated ? 'hydrated' : 'server'} {status} {participantCount} {title}
    </p>
  );
}
