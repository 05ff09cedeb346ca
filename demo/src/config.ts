/**
 * What the page runs as, from its URL: `?user=alice|bob|mallory`, `?plan=123`,
 * `?server=127.0.0.1:5000` (default: VITE_PLANWIRE_SERVER, else 127.0.0.1:5000) and an optional `?token=`.
 */
export interface DemoUser {
  userId: number;
  userName: string;
}

/** The mock server's demo users: alice and bob are members of plan 123, mallory of nothing. */
export const USERS: Record<string, DemoUser> = {
  alice: { userId: 1, userName: 'alice' },
  bob: { userId: 2, userName: 'bob' },
  mallory: { userId: 3, userName: 'mallory' },
};

const params = new URLSearchParams(location.search);

export const userKey = params.get('user') && USERS[params.get('user')!] ? params.get('user')! : 'alice';
export const user = USERS[userKey];
export const planId = params.get('plan') || '123';
export const server = params.get('server') || import.meta.env.VITE_PLANWIRE_SERVER || '127.0.0.1:5000';
export const httpBase = `http://${server}`;
export const wsUrl = `ws://${server}/ws`;
const fixedToken = params.get('token');

/** This page's URL for another demo user, keeping the server and plan. */
export function urlFor(key: string): string {
  const next = new URLSearchParams(location.search);
  next.set('user', key);
  return `?${next}`;
}

/**
 * A fresh token for the page's user: `?token=` when given, else one issued by the mock server's
 * `POST /api/v1/faults/token` (the server must run with `--enable-faults`).
 */
export async function getToken(): Promise<string> {
  if (fixedToken) return fixedToken;
  const res = await fetch(`${httpBase}/api/v1/faults/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(user),
  });
  if (!res.ok) throw new Error(`TOKEN: ${res.status} from /api/v1/faults/token (run the mock server with --enable-faults, or pass ?token=)`);
  return ((await res.json()) as { token: string }).token;
}
