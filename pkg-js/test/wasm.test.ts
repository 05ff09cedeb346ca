// @vitest-environment node
// The facade over the real wasm-pack build in pkg-js/wasm: loads from bytes, creates clients, and surfaces
// the contract's coded errors (docs/client-api.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPlanClient, loadPlanwire, PlanClient } from '../src/index.js';

/** Node has no fetch for file URLs: hand the glue the bytes (the load happens once per module). */
const load = () => loadPlanwire(readFileSync(new URL('../wasm/planwire_bg.wasm', import.meta.url)));

describe('facade over the real wasm', () => {
  it('loads the module from bytes and creates an idle client with typed events', async () => {
    await load();
    const client = await createPlanClient({ url: 'ws://127.0.0.1:9/ws', token: 'jwt' });
    expect(client).toBeInstanceOf(PlanClient);
    expect(client.state).toBe('idle');
    expect(client.isConnected).toBe(false);
    const off = client.on('stateChanged', () => {});
    expect(typeof off).toBe('function');
    off();
    expect(client.participantCount('123')).toBe(0);
    expect(client.participants('123')).toEqual([]);
    client.free();
  });

  it('throws errors whose message starts with the contract code', async () => {
    await load();
    expect(() => new PlanClient({ url: 'http://127.0.0.1/ws' })).toThrow(/^INVALID_URL: /);
    expect(() => new PlanClient({ url: 'ws://h/ws', jitter: 2 })).toThrow(/^INVALID_OPTION: /);
    const client = new PlanClient({ url: 'ws://h/ws', token: 't' });
    expect(() => client.join('')).toThrow(/^INVALID_PLAN_ID: /);
    expect(() => client.on('nope' as 'open', () => {})).toThrow(/^INVALID_EVENT: /);
    client.free();
  });
});
