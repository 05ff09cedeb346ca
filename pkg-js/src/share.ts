/**
 * One connection per browser (`shareConnection: true`): the I/O around `share-mux.ts`. Loaded lazily,
 * only by clients that ask for it.
 *
 * Every tab of the origin opens one `Link` per socket URL and sharing key. The tabs elect a leader with
 * Web Locks (`planwire/1:<url> <key>:leader`); only the leader holds the real WebSocket, and a `Mux` routes it. Each
 * client, in every tab including the leader's, gets a `VirtualSocket` from the `WebSocket` option: its
 * frames travel to the leader and back over a BroadcastChannel (`planwire/1:<url> <key>`), so each client keeps
 * its own engine, rooms, `seq` and presence, and exposes the same API and state in every tab.
 *
 * Handover: when the leader resigns (`pagehide`, `freeze`, its last client closed) or dies (its lock is
 * released by the browser), the next tab waiting for the lock becomes leader and says so; every client
 * whose socket was open on the old leader reconnects at once and re-joins with `lastSeq`, so nothing is
 * lost and, by each client's `seq` check, nothing applied twice. A socket still opening asks the new
 * leader again. A tab holds a lock of its own (`planwire/1:<url> <key>:tab:<id>`) for as long as it lives, which
 * the leader waits on to learn that a tab closed or crashed.
 *
 * Page lifecycle: on `pagehide` (and `freeze`) a tab releases every lock and lock request, so that the
 * page can enter the back/forward cache; on `pageshow` (and `resume`) it asks again.
 */
import { Mux } from './share-mux.js';
import type { MuxOutput, Vid } from './share-mux.js';

/** A WebSocket class, as the `WebSocket` option takes it. */
export type SocketClass = new (url: string) => WebSocket;

/** Messages on the channel: to the leader (`open`, `send`, `close`) and from it (the rest). */
type Message =
  | { k: 'open'; tab: string; vid: Vid; url: string }
  | { k: 'send'; hub: string; vid: Vid; data: string }
  | { k: 'close'; hub?: string; vid: Vid; code: number; reason: string }
  | { k: 'opened'; hub: string; vid: Vid }
  | { k: 'frame'; vids: Vid[]; data: string }
  | { k: 'closed'; vid: Vid; code: number; reason: string }
  | { k: 'leader'; hub: string }
  | { k: 'resign'; hub: string };

/** What a client's virtual sockets need from the client: a reconnect now, on handover. */
export interface ShareOwner {
  reconnect(): void;
}

/** The version of the messages below: bump it on any change, so that an old tab and a new one (before and after a deploy) each elect their own leader instead of misreading each other. */
const CHANNEL_VERSION = 1;

const randomId = () => Math.random().toString(36).slice(2, 10) + Date.now().toString(36);

/** The leader's side: the mux, the real socket and the watches on other tabs' locks. */
interface Hub {
  id: string;
  mux: Mux;
  socket?: WebSocket;
  /** Aborts the lock requests watching other tabs. */
  abort: AbortController;
  watched: Set<string>;
}

/** This tab's part in sharing one URL's (and key's) connection. */
class Link {
  readonly tab = randomId();
  /** Open while the page is awake (a page in the back/forward cache holds none). */
  private channel: BroadcastChannel | undefined;
  private readonly sockets = new Map<Vid, VirtualSocket>();
  private readonly owners = new Set<ShareOwner>();
  private next = 0;
  private disposed = false;
  private hub: Hub | undefined;
  /** Resolves the held leader lock (resigns). */
  private resignLock: (() => void) | undefined;
  /** Resolves the held tab lock. */
  private releaseTab: (() => void) | undefined;
  /** Resolves once this tab holds its lock: only then may the leader hear of its sockets (it watches the lock). */
  private tabHeld: Promise<void> = Promise.resolve();
  /** Aborts the waiting leader and tab lock requests. */
  private requests: AbortController | undefined;
  private readonly onPageHide = () => this.sleep();
  private readonly onPageShow = (e: Event) => {
    if ((e as PageTransitionEvent).persisted !== false) this.wake();
  };

  /** The channel's name and the locks' prefix: tabs running another version of this code never meet. */
  private readonly name: string;

  constructor(
    private readonly key: string,
    private readonly Socket: SocketClass,
  ) {
    this.name = `planwire/${CHANNEL_VERSION}:${key}`;
    addEventListener('pagehide', this.onPageHide);
    addEventListener('pageshow', this.onPageShow);
    document.addEventListener('freeze', this.onPageHide);
    document.addEventListener('resume', this.onPageShow);
    this.wake();
  }

  /** Whether this tab holds the real socket now. */
  get leader(): boolean {
    return this.hub !== undefined;
  }

  /** Registers a client; the link lives while it has one. */
  retain(owner: ShareOwner): void {
    this.owners.add(owner);
  }

  /** Unregisters a client; the last one out releases everything. */
  release(owner: ShareOwner): void {
    if (!this.owners.delete(owner) || this.owners.size > 0) return;
    this.disposed = true;
    this.sleep();
    removeEventListener('pagehide', this.onPageHide);
    removeEventListener('pageshow', this.onPageShow);
    document.removeEventListener('freeze', this.onPageHide);
    document.removeEventListener('resume', this.onPageShow);
    links.delete(this.key);
  }

  /** A new virtual socket of `owner` to `url`. */
  open(url: string, owner: ShareOwner): VirtualSocket {
    this.wake(); // a page back from the cache may open its sockets before this link hears `pageshow`
    const socket = new VirtualSocket(this, `${this.tab}/${this.next++}`, url, owner);
    this.sockets.set(socket.vid, socket);
    this.askOpen(socket);
    return socket;
  }

  /** Asks the leader to open `socket`, once this tab holds its lock. */
  private askOpen(socket: VirtualSocket): void {
    this.tabHeld.then(() => {
      if (this.sockets.get(socket.vid) === socket && socket.hub === undefined) {
        this.post({ k: 'open', tab: this.tab, vid: socket.vid, url: socket.url });
      }
    });
  }

  /** `socket` sends `data` to its leader. */
  send(socket: VirtualSocket, data: string): void {
    if (socket.hub !== undefined) this.post({ k: 'send', hub: socket.hub, vid: socket.vid, data });
  }

  /** `socket` closed itself (one still opening tells whichever tab leads now). */
  closed(socket: VirtualSocket, code: number, reason: string): void {
    if (!this.sockets.delete(socket.vid)) return;
    this.post({ k: 'close', hub: socket.hub, vid: socket.vid, code, reason });
  }

  /** The leader closed `socket`. */
  dropped(socket: VirtualSocket): void {
    this.sockets.delete(socket.vid);
  }

  /** Opens the channel, asks for the tab lock and the leader lock (at start and when the page comes back). */
  private wake(): void {
    if (this.requests || this.disposed) return;
    this.channel = new BroadcastChannel(this.name);
    this.channel.onmessage = (e: MessageEvent<Message>) => this.receive(e.data);
    const requests = (this.requests = new AbortController());
    const { signal } = requests;
    const ignore = () => {};
    this.tabHeld = new Promise<void>((held) => {
      navigator.locks
        .request(`${this.name}:tab:${this.tab}`, { signal }, () => {
          held();
          return new Promise<void>((r) => (this.releaseTab = r));
        })
        .catch(ignore);
    });
    navigator.locks
      .request(`${this.name}:leader`, { signal }, () => {
        if (signal.aborted) return;
        this.lead();
        return new Promise<void>((r) => (this.resignLock = r));
      })
      .catch(ignore);
  }

  /** Gives up leadership, every lock and the channel (pagehide, freeze, last client gone). */
  private sleep(): void {
    this.resign();
    this.channel?.close();
    this.channel = undefined;
    this.requests?.abort();
    this.requests = undefined;
    this.releaseTab?.();
    this.releaseTab = undefined;
  }

  /** This tab got the leader lock. */
  private lead(): void {
    const hub: Hub = { id: randomId(), mux: new Mux(), abort: new AbortController(), watched: new Set([this.tab]) };
    this.hub = hub;
    this.post({ k: 'leader', hub: hub.id });
  }

  /** Stops leading: the real socket closes, the followers hear of it, the lock is released. */
  private resign(): void {
    const hub = this.hub;
    if (!hub) return;
    this.hub = undefined;
    hub.abort.abort();
    this.detachSocket(hub, 1001, 'leader tab left');
    this.post({ k: 'resign', hub: hub.id });
    this.resignLock?.();
    this.resignLock = undefined;
  }

  /** Posts to every tab, this one included (asynchronously, as the channel delivers to the others). */
  private post(message: Message): void {
    this.channel?.postMessage(message);
    queueMicrotask(() => this.receive(message));
  }

  private receive(m: Message): void {
    const hub = this.hub;
    switch (m.k) {
      case 'open':
        if (!hub) return;
        this.watch(hub, m.tab);
        hub.mux.open(m.vid, m.url);
        return this.run(hub);
      case 'send':
        if (hub?.id !== m.hub) return;
        hub.mux.send(m.vid, m.data);
        return this.run(hub);
      case 'close':
        if (!hub || (m.hub !== undefined && hub.id !== m.hub)) return;
        hub.mux.close(m.vid, m.code, m.reason);
        return this.run(hub);
      case 'opened':
        return this.sockets.get(m.vid)?.opened(m.hub);
      case 'frame':
        for (const vid of m.vids) this.sockets.get(vid)?.frame(m.data);
        return;
      case 'closed':
        return this.sockets.get(m.vid)?.hubClosed(m.code, m.reason);
      case 'leader':
      case 'resign':
        return this.handover(m.hub, m.k === 'leader');
    }
  }

  /**
   * A leader arrived (`leader`) or left (`resign`): sockets open on another leader reconnect now;
   * sockets still opening ask the new leader.
   */
  private handover(id: string, arrived: boolean): void {
    for (const socket of [...this.sockets.values()]) {
      if (socket.hub === undefined) {
        if (arrived) this.askOpen(socket);
      } else if (socket.hub !== id || !arrived) {
        socket.handover();
      }
    }
  }

  /** The leader learns when `tab` goes away: its lock is then granted to us. */
  private watch(hub: Hub, tab: string): void {
    if (hub.watched.has(tab)) return;
    hub.watched.add(tab);
    navigator.locks
      .request(`${this.name}:tab:${tab}`, { signal: hub.abort.signal }, () => {
        hub.watched.delete(tab);
        if (this.hub !== hub) return;
        hub.mux.closeAll(`${tab}/`);
        this.run(hub);
      })
      .catch(() => {});
  }

  /** Carries out what the mux asked for. */
  private run(hub: Hub): void {
    for (const o of hub.mux.out.splice(0)) this.apply(hub, o);
  }

  private apply(hub: Hub, o: MuxOutput): void {
    switch (o.k) {
      case 'connect':
        return this.connect(hub, o.url);
      case 'send':
        try {
          hub.socket?.send(o.data);
        } catch {
          // Not open any more: its close event follows.
        }
        return;
      case 'disconnect':
        return this.detachSocket(hub, o.code, o.reason);
      case 'opened':
        return this.post({ k: 'opened', hub: hub.id, vid: o.vid });
      case 'frame':
        return this.post({ k: 'frame', vids: o.vids, data: o.data });
      case 'closed':
        return this.post({ k: 'closed', vid: o.vid, code: o.code, reason: o.reason });
    }
  }

  private connect(hub: Hub, url: string): void {
    let socket: WebSocket;
    try {
      socket = new this.Socket(url);
    } catch (e) {
      hub.mux.linkClosed(1006, `cannot open the socket: ${(e as Error).message ?? e}`);
      return this.run(hub);
    }
    hub.socket = socket;
    const live = () => this.hub === hub && hub.socket === socket;
    socket.onopen = () => {
      if (!live()) return;
      hub.mux.linkOpened();
      this.run(hub);
    };
    socket.onmessage = (e: MessageEvent) => {
      if (!live()) return;
      if (typeof e.data === 'string') hub.mux.linkFrame(e.data);
      this.run(hub);
    };
    socket.onclose = (e: CloseEvent) => {
      if (!live()) return;
      hub.socket = undefined;
      hub.mux.linkClosed(e.code, e.reason);
      this.run(hub);
    };
  }

  /** Closes the real socket without reporting its events any more. */
  private detachSocket(hub: Hub, code: number, reason: string): void {
    const socket = hub.socket;
    if (!socket) return;
    hub.socket = undefined;
    socket.onopen = socket.onmessage = socket.onclose = null;
    try {
      // Browsers accept only 1000 and 3000–4999 from scripts.
      socket.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason);
    } catch {
      socket.close();
    }
  }
}

/**
 * The WebSocket a shared client gets: the browser's interface (`readyState`, `send`, `close`, the
 * `on…` handlers), backed by the leader's real socket.
 */
export class VirtualSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readyState = 0;
  onopen: ((e: Event) => void) | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  onclose: ((e: CloseEvent) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  /** The leader this socket is open on. */
  hub: string | undefined;

  constructor(
    private readonly link: Link,
    readonly vid: Vid,
    readonly url: string,
    private readonly owner: ShareOwner,
  ) {}

  send(data: string): void {
    if (this.readyState === 1) this.link.send(this, data);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    this.link.closed(this, code, reason);
    queueMicrotask(() => this.onclose?.(new CloseEvent('close', { code, reason, wasClean: true })));
  }

  /** The leader opened it. */
  opened(hub: string): void {
    if (this.readyState !== 0) return;
    this.hub = hub;
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }

  /** A frame from the server. */
  frame(data: string): void {
    if (this.readyState === 1) this.onmessage?.(new MessageEvent('message', { data }));
  }

  /** The leader closed it (the server closed the connection, or the link died). */
  hubClosed(code: number, reason: string): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.link.dropped(this);
    this.onclose?.(new CloseEvent('close', { code, reason, wasClean: code !== 1006 }));
  }

  /** Its leader is gone: the client reconnects now (through a new socket). */
  handover(): void {
    if (this.readyState === 3) return;
    this.owner.reconnect();
  }
}

const links = new Map<string, Link>();

/** Whether this runtime can share a connection (BroadcastChannel and Web Locks, in a page). */
export const canShare = (): boolean =>
  typeof BroadcastChannel === 'function' && typeof navigator !== 'undefined' && !!navigator.locks && typeof document !== 'undefined';

/** What a client sharing its connection holds: its link, once it made a socket. */
export interface Sharing extends ShareOwner {
  link?: Link;
}

/**
 * A virtual socket to `url` for `owner`, on this tab's link for `key` (the socket URL and sharing key;
 * made with the real socket class `Socket` if new).
 */
export function open(owner: Sharing, key: string, Socket: SocketClass, url: string): VirtualSocket {
  let link = links.get(key);
  if (!link) links.set(key, (link = new Link(key, Socket)));
  owner.link = link;
  link.retain(owner);
  return link.open(url, owner);
}

export type { Link };
