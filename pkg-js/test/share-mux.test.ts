// The routing rules of a shared connection (`share-mux.ts`), without a browser: what the leader sends
// on the one real socket and which virtual socket gets which frame.
//
// Checklist: the link opens once, with the first client's URL; a late client gets the confirmation
// replayed and its `auth` is not sent again; each join's confirmation (or refusal) reaches the client
// that asked, in order; room frames reach the room's confirmed clients only; `leave-plan` only when the
// room's last client leaves; presence falls back to the next most recent client's state when the shown
// one leaves or is cleared, typing is cleared, nothing another client shows is cleared; one ping in flight, its pong to all; a dead link (4000) closes everyone, a suspended tab
// only itself; the server's close reaches every client with its code; the last client out closes the
// link; a tab gone closes its sockets; the cap.
import { describe, expect, it } from 'vitest';
import { MAX_SHARED_SOCKETS, Mux } from '../src/share-mux.js';
import type { MuxOutput } from '../src/share-mux.js';

const WELCOME = '{"type":"pong","data":{"userId":1,"connected":true,"connectionId":"c1"}}';
const join = (planId: string) => JSON.stringify({ type: 'join-plan', planId });
const leave = (planId: string) => JSON.stringify({ type: 'leave-plan', planId });
const confirm = (planId: string) => JSON.stringify({ type: 'join-plan', planId, data: { success: true, participantCount: 1 } });
const event = (planId: string, seq: number) => JSON.stringify({ type: 'task-updated', planId, data: { task: { id: 1 } }, seq });
const presence = (planId: string, data: unknown) => JSON.stringify({ type: 'presence-update', planId, data });

/** A mux with `vids` open on a confirmed link; `out` drained. */
function open(...vids: string[]): Mux {
  const m = new Mux();
  for (const vid of vids) m.open(vid, `ws://s/ws?token=${vid}`);
  m.linkOpened();
  m.linkFrame(WELCOME);
  m.out.length = 0;
  return m;
}

/** `vid` joins `planId` and the server confirms. */
function joined(m: Mux, vid: string, planId: string): void {
  m.send(vid, join(planId));
  m.linkFrame(confirm(planId));
}

const drain = (m: Mux): MuxOutput[] => m.out.splice(0);
const sent = (out: MuxOutput[]) => out.flatMap((o) => (o.k === 'send' ? [o.data] : []));
const frames = (out: MuxOutput[]) => out.flatMap((o) => (o.k === 'frame' ? [[o.vids, o.data] as const] : []));

describe('shared connection routing', () => {
  it('opens the link once, with the first URL, and opens every waiting client', () => {
    const m = new Mux();
    m.open('a/0', 'ws://s/ws?token=A');
    m.open('b/0', 'ws://s/ws?token=B');
    expect(drain(m)).toEqual([{ k: 'connect', url: 'ws://s/ws?token=A' }]);
    m.linkOpened();
    expect(drain(m)).toEqual([
      { k: 'opened', vid: 'a/0' },
      { k: 'opened', vid: 'b/0' },
    ]);
    m.linkFrame(WELCOME);
    expect(frames(drain(m))).toEqual([[['a/0', 'b/0'], WELCOME]]);
  });

  it('replays the confirmation to a late client and does not send its auth again', () => {
    const m = new Mux();
    m.open('a/0', 'ws://s/ws');
    m.linkOpened();
    m.send('a/0', '{"type":"auth","token":"A"}');
    m.linkFrame(WELCOME);
    drain(m);
    m.open('b/0', 'ws://s/ws');
    expect(drain(m)).toEqual([
      { k: 'opened', vid: 'b/0' },
      { k: 'frame', vids: ['b/0'], data: WELCOME },
    ]);
    m.send('b/0', '{"type":"auth","token":"B"}');
    expect(drain(m)).toEqual([]);
  });

  it('sends every join and answers each to the client that asked, in order', () => {
    const m = open('a/0', 'b/0');
    m.send('a/0', join('1'));
    m.send('b/0', join('1'));
    expect(sent(drain(m))).toEqual([join('1'), join('1')]);
    m.linkFrame(confirm('1'));
    m.linkFrame(confirm('1'));
    expect(frames(drain(m))).toEqual([
      [['a/0'], confirm('1')],
      [['b/0'], confirm('1')],
    ]);
  });

  it('gives a join refusal to the joiner only', () => {
    const m = open('a/0', 'b/0');
    joined(m, 'a/0', '1');
    m.send('b/0', join('1'));
    drain(m);
    const refusal = '{"type":"error","planId":"1","data":{"code":"FORBIDDEN","message":"no","planId":"1"}}';
    m.linkFrame(refusal);
    expect(frames(drain(m))).toEqual([[['b/0'], refusal]]);
  });

  it('routes room frames to the room’s confirmed clients only, and the rest to everyone', () => {
    const m = open('a/0', 'b/0', 'c/0');
    joined(m, 'a/0', '1');
    joined(m, 'b/0', '1');
    joined(m, 'c/0', '2');
    m.send('a/0', join('2')); // waiting: not yet a member of 2
    drain(m);
    m.linkFrame(event('1', 5));
    m.linkFrame(event('2', 9));
    const notice = '{"type":"error","data":{"code":"RATE_LIMITED","message":"slow down"}}';
    m.linkFrame(notice);
    expect(frames(drain(m))).toEqual([
      [['a/0', 'b/0'], event('1', 5)],
      [['c/0'], event('2', 9)],
      [['a/0', 'b/0', 'c/0'], notice],
    ]);
  });

  it('sends leave-plan only when the room’s last client leaves', () => {
    const m = open('a/0', 'b/0');
    joined(m, 'a/0', '1');
    joined(m, 'b/0', '1');
    drain(m);
    m.send('a/0', leave('1'));
    expect(sent(drain(m))).toEqual([]);
    m.linkFrame(event('1', 6));
    expect(frames(drain(m))).toEqual([[['b/0'], event('1', 6)]]);
    m.send('b/0', leave('1'));
    expect(sent(drain(m))).toEqual([leave('1')]);
  });

  it('keeps presence each client’s own: the next most recent state comes back when the shown one leaves', () => {
    const m = open('a/0', 'b/0', 'c/0');
    for (const vid of ['a/0', 'b/0', 'c/0']) joined(m, vid, '1');
    m.send('a/0', presence('1', { state: { taskId: 'a' }, replace: true }));
    m.send('b/0', presence('1', { state: { taskId: 'b' }, replace: true, typing: { taskId: 'b' } }));
    m.send('c/0', presence('1', { state: { taskId: 'c' }, replace: true }));
    drain(m);
    m.send('a/0', leave('1')); // not the one showing: nothing to fix
    expect(sent(drain(m))).toEqual([]);
    m.send('c/0', leave('1')); // showing: b's state again
    expect(sent(drain(m))).toEqual([presence('1', { state: { taskId: 'b' }, replace: true })]);
    m.close('b/0', 1000, ''); // the last one: the room is left, which clears it on the server
    expect(sent(drain(m))).toEqual([leave('1')]);
  });

  it('clears the typing mark of a client that leaves, and the state of the last one with a state', () => {
    const m = open('a/0', 'b/0');
    joined(m, 'a/0', '1');
    joined(m, 'b/0', '1');
    m.send('b/0', presence('1', { state: { taskId: 'b' }, replace: true, typing: { taskId: 'b' } }));
    drain(m);
    m.send('b/0', leave('1'));
    expect(sent(drain(m))).toEqual([presence('1', { state: null, typing: null })]);
  });

  it('does not clear what another client shows: a cleared state falls back, a cleared stale one is not sent', () => {
    const m = open('a/0', 'b/0');
    joined(m, 'a/0', '1');
    joined(m, 'b/0', '1');
    m.send('a/0', presence('1', { state: { taskId: 'a' }, replace: true }));
    m.send('b/0', presence('1', { state: { taskId: 'b' }, replace: true }));
    drain(m);
    m.send('a/0', presence('1', { state: null })); // a's is not showing: nothing to send
    expect(sent(drain(m))).toEqual([]);
    m.send('a/0', presence('1', { state: { taskId: 'a2' }, replace: true }));
    m.send('b/0', presence('1', { typing: { taskId: 'b' } }));
    drain(m);
    m.send('a/0', presence('1', { state: null, typing: null })); // a's shows: b's comes back; b is typing: kept
    expect(sent(drain(m))).toEqual([presence('1', { state: { taskId: 'b' }, replace: true })]);
    m.send('b/0', presence('1', { state: null })); // the last state: cleared
    expect(sent(drain(m))).toEqual([presence('1', { state: null })]);
  });

  it('keeps one ping in flight and gives its pong to everyone', () => {
    const m = open('a/0', 'b/0');
    m.send('a/0', '{"type":"ping"}');
    m.send('b/0', '{"type":"ping"}');
    expect(sent(drain(m))).toEqual(['{"type":"ping"}']);
    const pong = '{"type":"pong","data":{"connected":true}}';
    m.linkFrame(pong);
    expect(frames(drain(m))).toEqual([[['a/0', 'b/0'], pong]]);
    m.send('b/0', '{"type":"ping"}');
    expect(sent(drain(m))).toEqual(['{"type":"ping"}']);
  });

  it('drops the link for everyone when a client finds it dead (4000), one by one otherwise', () => {
    const m = open('a/0', 'b/0', 'c/0');
    m.close('a/0', 4000, 'suspended'); // a tab in the cache: only itself
    expect(drain(m)).toEqual([]);
    m.close('b/0', 4000, 'pong timeout');
    expect(drain(m)).toEqual([
      { k: 'disconnect', code: 4000, reason: 'pong timeout' },
      { k: 'closed', vid: 'c/0', code: 4000, reason: 'pong timeout' },
    ]);
    m.open('c/1', 'ws://s/ws?token=C2'); // the next attempt opens a new link
    expect(drain(m)).toEqual([{ k: 'connect', url: 'ws://s/ws?token=C2' }]);
  });

  it('gives the server’s close to every client, with its code and reason', () => {
    const m = open('a/0', 'b/0');
    joined(m, 'a/0', '1');
    drain(m);
    m.linkClosed(4001, 'token expired');
    expect(drain(m)).toEqual([
      { k: 'closed', vid: 'a/0', code: 4001, reason: 'token expired' },
      { k: 'closed', vid: 'b/0', code: 4001, reason: 'token expired' },
    ]);
    expect(m.size).toBe(0);
  });

  it('closes the link when the last client leaves, and a gone tab’s sockets with it', () => {
    const m = open('a/0', 'a/1', 'b/0');
    joined(m, 'a/0', '1');
    drain(m);
    m.closeAll('a/');
    expect(sent(drain(m))).toEqual([leave('1')]);
    expect(m.size).toBe(1);
    m.close('b/0', 1000, '');
    expect(drain(m)).toEqual([{ k: 'disconnect', code: 1000, reason: '' }]);
  });

  it(`refuses more than ${MAX_SHARED_SOCKETS} clients with 4029`, () => {
    const m = open(...Array.from({ length: MAX_SHARED_SOCKETS }, (_, i) => `t${i}/0`));
    m.open('x/0', 'ws://s/ws');
    expect(drain(m)).toEqual([{ k: 'closed', vid: 'x/0', code: 4029, reason: `more than ${MAX_SHARED_SOCKETS} clients share this connection` }]);
  });
});
