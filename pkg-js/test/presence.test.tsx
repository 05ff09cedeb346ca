// @vitest-environment happy-dom
// The presence hooks over the real client and wasm, with planwire/testing's server: others' states and
// typing marks from the join confirmation and presence frames, updates sent merged and throttled by the
// client, typing while keys are pressed and stopped on blur and unmount, a user's entry re-rendering only
// its readers, one join under StrictMode, and the own state sent again after a reconnect.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StrictMode } from 'react';
import type { ReactNode } from 'react';
import { act, cleanup, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadPlanwire } from '../src/index.js';
import { PlanSocketProvider, idKey, sameId, usePlanWebSocket, usePresence, usePresenceOf, useTyping } from '../src/react.js';
import { createTestServer } from '../src/testing.js';
import type { TestServer } from '../src/testing.js';

afterEach(cleanup);
// Only in this repository: Vite rewrites the facade's wasm URL in our sources (see testing.test.tsx).
beforeAll(() => loadPlanwire(readFileSync(fileURLToPath(import.meta.url).replace(/test\/presence\.test\.tsx$/, 'wasm/planwire_bg.wasm'))));

const bob = { userId: 2, userName: 'bob' };

function wrapper(server: TestServer) {
  return ({ children }: { children: ReactNode }) => (
    <PlanSocketProvider url={server.url} WebSocket={server.WebSocket} token="t" baseDelayMs={1} maxDelayMs={5}>
      {children}
    </PlanSocketProvider>
  );
}

describe('usePresence', () => {
  it("shows others' presence from the confirmation and from presence frames, without our own", async () => {
    const server = createTestServer({ user: { userId: 1, userName: 'ann' } });
    server.presence('123', { userId: 1, userName: 'ann', state: { taskId: '9' }, typing: null });
    server.presence('123', { ...bob, state: { taskId: '3', activity: 'viewing' }, typing: null });
    const { result } = renderHook(() => usePresence('123'), { wrapper: wrapper(server) });
    await waitFor(() => expect(result.current.others).toEqual([{ ...bob, state: { taskId: '3', activity: 'viewing' }, typing: null }]));
    await act(async () => server.presence('123', { ...bob, state: { taskId: '3', activity: 'editing' }, typing: { taskId: '3' } }));
    expect(result.current.others[0].typing).toEqual({ taskId: '3' });
    await act(async () => server.presence('123', { ...bob, state: null, typing: null }));
    // Bob is still in the room: listed, with no presence.
    expect(result.current.others).toEqual([{ ...bob, state: null, typing: null }]);
  });

  it('others is every other participant, with their presence or none yet; consistent with participants', async () => {
    const server = createTestServer({ user: { userId: 1, userName: 'ann' } });
    server.userJoined('123', bob);
    const { result } = renderHook(() => ({ room: usePlanWebSocket({ planId: '123' }), presence: usePresence('123') }), {
      wrapper: wrapper(server),
    });
    await waitFor(() => expect(result.current.room.participantCount).toBe(2));
    expect(result.current.presence.others).toEqual([{ ...bob, state: null, typing: null }]);
    // A user whose id comes as a string in the room and as a number in presence is one user.
    await act(async () => server.userJoined('123', { userId: '3', userName: 'cy' }));
    await act(async () => server.presence('123', { userId: 3, userName: 'cy', state: { taskId: '7' }, typing: null }));
    const { room, presence } = result.current;
    expect(room.participants.map((p) => p.userId)).toEqual([1, 2, '3']);
    expect(presence.others).toEqual([
      { ...bob, state: null, typing: null },
      { userId: 3, userName: 'cy', state: { taskId: '7' }, typing: null },
    ]);
    // others = participants minus this user, by id value.
    expect(presence.others.map((e) => idKey(e.userId))).toEqual(room.participants.filter((p) => !sameId(p.userId, 1)).map((p) => idKey(p.userId)));
    await act(async () => server.userLeft('123', 2));
    expect(result.current.presence.others.map((e) => e.userName)).toEqual(['cy']);
    // After a reconnect the re-join's confirmation fills both again, with the presence it carries.
    await act(async () => server.drop());
    await waitFor(() => expect(server.opened).toHaveLength(2));
    await waitFor(() => expect(result.current.presence.others).toEqual([{ userId: 3, userName: 'cy', state: { taskId: '7' }, typing: null }]));
    expect(result.current.room.participants.map((p) => p.userId)).toEqual([1, '3']);
  });

  it('sends updates merged by the client, and shows our own state', async () => {
    const server = createTestServer();
    const { result } = renderHook(() => usePresence('123'), { wrapper: wrapper(server) });
    await server.waitForJoin('123');
    await waitFor(() => expect(server.received.some((f) => f.type === 'join-plan')).toBe(true));
    await act(async () => {
      result.current.updateMyPresence({ taskId: '3', activity: 'viewing' });
      result.current.updateMyPresence({ activity: 'editing' });
    });
    expect(result.current.myPresence).toEqual({ taskId: '3', activity: 'editing' });
    await waitFor(() => expect(server.presenceSent('123').at(-1)).toEqual({ state: { taskId: '3', activity: 'editing' }, replace: true }));
  });

  it('sends our state again after a reconnect', async () => {
    const server = createTestServer();
    const { result } = renderHook(() => usePresence('123'), { wrapper: wrapper(server) });
    await server.waitForJoin('123');
    await act(async () => result.current.updateMyPresence({ taskId: '3' }));
    await waitFor(() => expect(server.presenceSent('123')).toHaveLength(1));
    await act(async () => server.drop());
    await waitFor(() => expect(server.opened).toHaveLength(2));
    await server.waitForJoin('123');
    await waitFor(() => expect(server.presenceSent('123')).toHaveLength(2));
    expect(server.presenceSent('123')[1]).toEqual({ state: { taskId: '3' }, replace: true });
  });

  it('joins once under StrictMode', async () => {
    const server = createTestServer();
    renderHook(() => usePresence('123'), {
      wrapper: ({ children }) => <StrictMode>{wrapper(server)({ children })}</StrictMode>,
    });
    await server.waitForJoin('123');
    await new Promise((r) => setTimeout(r, 20));
    expect(server.received.filter((f) => f.type === 'join-plan')).toHaveLength(1);
    expect(server.opened).toHaveLength(1);
  });
});

describe('usePresenceOf', () => {
  it("re-renders only when that user's presence changes", async () => {
    const server = createTestServer();
    server.presence('123', { ...bob, state: { taskId: '1' }, typing: null });
    let renders = 0;
    function Bob() {
      renders++;
      const entry = usePresenceOf('123', 2);
      return <p>bob: {String(entry?.state?.taskId ?? '-')}</p>;
    }
    render(<Bob />, { wrapper: wrapper(server) });
    await screen.findByText('bob: 1');
    const settled = renders;
    await act(async () => server.presence('123', { userId: 3, userName: 'cy', state: { taskId: '7' }, typing: null }));
    await act(async () => server.presence('123', { userId: 3, userName: 'cy', state: { taskId: '8' }, typing: null }));
    expect(renders).toBe(settled);
    await act(async () => server.presence('123', { ...bob, state: { taskId: '2' }, typing: null }));
    await screen.findByText('bob: 2');
    expect(renders).toBe(settled + 1);
  });
});

describe('useTyping', () => {
  it('marks typing on key presses, stops on blur and on unmount', async () => {
    const server = createTestServer();
    function Editor() {
      const typing = useTyping('123', { taskId: '3' });
      return <input aria-label="title" {...typing} />;
    }
    // The board stays in the room when the editor closes.
    function Board({ editing }: { editing: boolean }) {
      usePresence('123');
      return editing ? <Editor /> : null;
    }
    const view = render(<Board editing />, { wrapper: wrapper(server) });
    await server.waitForJoin('123');
    await waitFor(() => expect(server.isJoined('123')).toBe(true));
    const input = screen.getByLabelText('title');
    await act(async () => {
      fireEvent.keyDown(input, { key: 'a' });
      fireEvent.keyDown(input, { key: 'b' });
    });
    await waitFor(() => expect(server.presenceSent('123')).toEqual([{ typing: { taskId: '3' } }]));
    await act(async () => fireEvent.blur(input));
    await waitFor(() => expect(server.presenceSent('123').at(-1)).toEqual({ typing: null }));
    await act(async () => fireEvent.keyDown(input, { key: 'c' }));
    await waitFor(() => expect(server.presenceSent('123').at(-1)).toEqual({ typing: { taskId: '3' } }));
    view.rerender(<Board editing={false} />);
    await waitFor(() => expect(server.presenceSent('123').at(-1)).toEqual({ typing: null }));
    expect(server.isJoined('123')).toBe(true);
  });
});
