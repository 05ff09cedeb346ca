/**
 * The routing rules of a shared connection (`shareConnection: true`), without any I/O: one real
 * WebSocket carries the virtual sockets of every client in every tab of the browser, and each of those
 * clients still runs its own protocol engine (rooms, `seq` recovery, presence, synchronized plans) as if
 * it had the socket to itself. `Mux` lives in the leader tab; `share.ts` feeds it what the tabs and the
 * real socket say and carries out what it returns in `out`.
 *
 * What it has to get right, because one server connection now stands for many clients:
 * - **The confirmation.** The server confirms a connection once (its first `pong`); a client attaching
 *   to a link that is already open gets that frame replayed, and its `auth` frame (`authMode:
 *   'message'`) is not sent again.
 * - **Rooms are reference-counted.** Every `join-plan` is sent (a re-join gets its own confirmation and
 *   `lastSeq` replay from the server, and nobody is notified again); the confirmation, or the error
 *   refusing the join, goes to the client that asked (joins of one room are answered in order). Room
 *   frames go to the clients the room confirmed; a client's duplicates of a replay are dropped by its own
 *   `seq` check. `leave-plan` is sent only when the room's last client leaves.
 * - **Presence stays each client's own.** The server keeps one state and one typing mark per connection
 *   and merges a user's connections by "most recently set"; the mux keeps what each client last set, so
 *   when the client whose state is showing clears it or leaves the room, the next most recent one's
 *   state is sent again (or `null`), and its typing mark is cleared; a client clearing a state or a
 *   typing mark that is not showing sends nothing.
 * - **One ping in flight**, its `pong` to everyone.
 * - **A dead link is everyone's.** A client that closes with the client's own code (4000: pong or
 *   connect timeout, offline) found the link dead: the real socket is dropped and every client is told,
 *   so all reconnect. A normal close (1000) or a suspended tab only detaches that client.
 * - **The server's close is everyone's**, with its code and reason (4001 `token expired` included:
 *   each client then gets a fresh token and reconnects; the first to reopen the link opens it with its
 *   URL).
 */

/** A virtual socket's id: the tab's id, a slash, a number. */
export type Vid = string;

/** What the mux asks its owner to do, in order. */
export type MuxOutput =
  /** Open the real socket to `url`. */
  | { k: 'connect'; url: string }
  /** Send `data` on the real socket. */
  | { k: 'send'; data: string }
  /** Close the real socket (its events are not reported any more). */
  | { k: 'disconnect'; code: number; reason: string }
  /** Tell `vid` its socket is open. */
  | { k: 'opened'; vid: Vid }
  /** Hand `data`, a frame from the server, to each of `vids`. */
  | { k: 'frame'; vids: Vid[]; data: string }
  /** Tell `vid` its socket closed with `code` and `reason`. */
  | { k: 'closed'; vid: Vid; code: number; reason: string };

/** At most this many virtual sockets share one connection; more are refused with 4029. */
export const MAX_SHARED_SOCKETS = 64;

/** The close code a client uses for closes of its own (`CloseCode.Local`). */
const LOCAL_CLOSE = 4000;

interface Attached {
  open: boolean;
  rooms: Set<string>;
}

/** One room of the connection. */
interface Room {
  /** Clients whose join the server confirmed. */
  members: Set<Vid>;
  /** Clients waiting for a join confirmation, in the order their joins were sent. */
  pending: Vid[];
  /** Each client's last presence state (compact JSON) and when it was set. */
  states: Map<Vid, { json: string; at: number }>;
  /** The client that sent the last typing mark, while it stands. */
  typing?: Vid;
}

/** A frame's fields the mux routes by. */
interface Envelope {
  type?: unknown;
  planId?: unknown;
  data?: { success?: unknown; code?: unknown; state?: unknown; typing?: unknown } | null;
}

/** A `presence-update` for `planId` with `data`. */
const presenceFrame = (planId: string, data: Record<string, unknown>): string => JSON.stringify({ type: 'presence-update', planId, data });

function parse(text: string): Envelope | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' ? (v as Envelope) : undefined;
  } catch {
    return undefined;
  }
}

/** The routing state of one shared connection. */
export class Mux {
  /** What to do, appended by every call: the owner drains it. */
  readonly out: MuxOutput[] = [];
  private link: 'none' | 'opening' | 'open' = 'none';
  private readonly attached = new Map<Vid, Attached>();
  private readonly rooms = new Map<string, Room>();
  /** The server's confirmation of this connection (its first `pong`), replayed to late clients. */
  private welcome: string | undefined;
  private authSent = false;
  private pingInFlight = false;
  private clock = 0;

  /** The virtual sockets attached now (open or opening). */
  get size(): number {
    return this.attached.size;
  }

  /** A client opens its virtual socket `vid` to `url` (the first one's URL, token included, opens the link). */
  open(vid: Vid, url: string): void {
    if (this.attached.has(vid)) return;
    if (this.attached.size >= MAX_SHARED_SOCKETS) {
      this.out.push({ k: 'closed', vid, code: 4029, reason: `more than ${MAX_SHARED_SOCKETS} clients share this connection` });
      return;
    }
    const entry: Attached = { open: false, rooms: new Set() };
    this.attached.set(vid, entry);
    if (this.link === 'none') {
      this.link = 'opening';
      this.out.push({ k: 'connect', url });
    } else if (this.link === 'open') {
      entry.open = true;
      this.out.push({ k: 'opened', vid });
      if (this.welcome !== undefined) this.out.push({ k: 'frame', vids: [vid], data: this.welcome });
    }
  }

  /** The real socket opened: every waiting client is open. */
  linkOpened(): void {
    if (this.link !== 'opening') return;
    this.link = 'open';
    for (const [vid, entry] of this.attached) {
      if (entry.open) continue;
      entry.open = true;
      this.out.push({ k: 'opened', vid });
    }
  }

  /** The real socket closed (or failed to open): every client is told, with the server's code and reason. */
  linkClosed(code: number, reason: string): void {
    if (this.link === 'none') return;
    for (const vid of this.attached.keys()) this.out.push({ k: 'closed', vid, code, reason });
    this.reset();
  }

  /** A frame from the server, routed to the clients it concerns. */
  linkFrame(data: string): void {
    if (this.link !== 'open') return;
    const frame = parse(data);
    const everyone = () => this.openVids();
    if (frame?.type === 'pong') {
      this.pingInFlight = false;
      this.welcome ??= data;
      return this.deliver(everyone(), data);
    }
    const planId = frame?.planId;
    const room = typeof planId === 'string' ? this.rooms.get(planId) : undefined;
    if (!frame || !room) return this.deliver(everyone(), data);
    if (frame.type === 'join-plan' && frame.data && 'success' in frame.data) {
      // A join confirmation: the answer to the oldest join of this room still waiting.
      const vid = room.pending.shift();
      if (vid === undefined) return this.deliver([...room.members], data);
      if (frame.data.success === true) room.members.add(vid);
      return this.deliver([vid], data);
    }
    if (frame.type === 'error') {
      const code = typeof frame.data?.code === 'string' ? frame.data.code : '';
      if (code.startsWith('PRESENCE_') || code === 'RATE_LIMITED') return this.deliver([...room.members], data);
      // Any other error naming a room with a join waiting refuses that join.
      const vid = room.pending.shift();
      if (vid !== undefined) return this.deliver([vid], data);
    }
    this.deliver([...room.members], data);
  }

  /** A client sends `data` on its open virtual socket. */
  send(vid: Vid, data: string): void {
    const entry = this.attached.get(vid);
    if (!entry?.open) return;
    const frame = parse(data);
    const planId = typeof frame?.planId === 'string' ? frame.planId : undefined;
    switch (frame?.type) {
      case 'auth':
        if (this.authSent) return;
        this.authSent = true;
        break;
      case 'ping':
        if (this.pingInFlight) return;
        this.pingInFlight = true;
        break;
      case 'join-plan':
        if (planId === undefined) break;
        this.room(planId).pending.push(vid);
        entry.rooms.add(planId);
        break;
      case 'leave-plan':
        if (planId === undefined) break;
        entry.rooms.delete(planId);
        if (!this.leaveRoom(vid, planId)) return;
        break;
      case 'presence-update': {
        if (planId === undefined || !frame.data) break;
        const rewritten = this.presence(vid, planId, frame.data);
        if (rewritten === null) return;
        if (rewritten !== undefined) data = rewritten;
        break;
      }
    }
    this.out.push({ k: 'send', data });
  }

  /**
   * A client closed its virtual socket with `code` and `reason` (or its tab went away: 1001). A close
   * of the client's own (4000) other than a suspended tab's means the link is dead for everyone.
   */
  close(vid: Vid, code: number, reason: string): void {
    const entry = this.attached.get(vid);
    if (!entry) return;
    this.attached.delete(vid);
    if (code === LOCAL_CLOSE && reason !== 'suspended' && this.link !== 'none') {
      this.out.push({ k: 'disconnect', code, reason });
      return this.linkClosed(code, reason);
    }
    for (const planId of entry.rooms) {
      if (this.leaveRoom(vid, planId)) this.out.push({ k: 'send', data: JSON.stringify({ type: 'leave-plan', planId }) });
    }
    if (this.attached.size === 0 && this.link !== 'none') {
      this.out.push({ k: 'disconnect', code: 1000, reason: '' });
      this.reset();
    }
  }

  /** Every virtual socket whose id starts with `prefix` (a tab's) closes: the tab is gone. */
  closeAll(prefix: string): void {
    for (const vid of [...this.attached.keys()]) if (vid.startsWith(prefix)) this.close(vid, 1001, 'tab closed');
  }

  private openVids(): Vid[] {
    const vids: Vid[] = [];
    for (const [vid, entry] of this.attached) if (entry.open) vids.push(vid);
    return vids;
  }

  private deliver(vids: Vid[], data: string): void {
    if (vids.length > 0) this.out.push({ k: 'frame', vids, data });
  }

  private room(planId: string): Room {
    let room = this.rooms.get(planId);
    if (!room) this.rooms.set(planId, (room = { members: new Set(), pending: [], states: new Map() }));
    return room;
  }

  /**
   * Notes `vid`'s presence update in `planId` and returns what to send instead: `undefined` to send it as
   * it is, `null` to send nothing. A client clearing its state while another client's state remains sends
   * that one (the connection's state must stay the next most recent client's, not none); clearing a typing
   * mark another client set since is not sent.
   */
  private presence(vid: Vid, planId: string, data: NonNullable<Envelope['data']>): string | null | undefined {
    const room = this.room(planId);
    const out: Record<string, unknown> = { ...data };
    let changed = false;
    if ('state' in data) {
      if (data.state !== null && typeof data.state === 'object') {
        room.states.set(vid, { json: JSON.stringify(data.state), at: ++this.clock });
      } else {
        const shown = this.dropState(room, vid);
        if (shown === undefined && room.states.size > 0) {
          delete out.state; // another client's state is showing: leave it
          changed = true;
        } else if (shown !== undefined && shown !== 'null') {
          out.state = JSON.parse(shown);
          out.replace = true;
          changed = true;
        }
      }
    }
    if ('typing' in data) {
      if (data.typing !== null && typeof data.typing === 'object') room.typing = vid;
      else if (room.typing === undefined || room.typing === vid) room.typing = undefined;
      else {
        delete out.typing; // another client is typing
        changed = true;
      }
    }
    if (!changed) return undefined;
    if (!('state' in out) && !('typing' in out)) return null;
    return presenceFrame(planId, out);
  }

  /**
   * Forgets `vid`'s state in `room`. Returns what the connection's state must become if `vid`'s was the
   * one showing: the next most recent client's state (compact JSON), or `'null'`; `undefined` when `vid`'s
   * was not showing (nothing changes).
   */
  private dropState(room: Room, vid: Vid): string | undefined {
    const mine = room.states.get(vid);
    room.states.delete(vid);
    const next = this.latestState(room);
    if (!mine || (next && next.at > mine.at)) return undefined;
    return next?.json ?? 'null';
  }

  /** The most recently set state of a room's clients. */
  private latestState(room: Room): { json: string; at: number } | undefined {
    let latest: { json: string; at: number } | undefined;
    for (const s of room.states.values()) if (!latest || s.at > latest.at) latest = s;
    return latest;
  }

  /**
   * `vid` leaves `planId`. Returns whether the room is now empty (its `leave-plan` is to be sent);
   * otherwise sends what keeps the connection's presence the remaining clients' own.
   */
  private leaveRoom(vid: Vid, planId: string): boolean {
    const room = this.rooms.get(planId);
    if (!room) return false;
    room.members.delete(vid);
    const waiting = room.pending.indexOf(vid);
    if (waiting >= 0) room.pending.splice(waiting, 1);
    if (room.members.size === 0 && room.pending.length === 0) {
      this.rooms.delete(planId);
      return true;
    }
    const data: Record<string, unknown> = {};
    const shown = this.dropState(room, vid);
    if (shown === 'null') data.state = null;
    else if (shown !== undefined) Object.assign(data, { state: JSON.parse(shown), replace: true });
    if (room.typing === vid) {
      room.typing = undefined;
      data.typing = null;
    }
    if (Object.keys(data).length > 0) this.out.push({ k: 'send', data: presenceFrame(planId, data) });
    return false;
  }

  private reset(): void {
    this.link = 'none';
    this.attached.clear();
    this.rooms.clear();
    this.welcome = undefined;
    this.authSent = false;
    this.pingInFlight = false;
  }
}
