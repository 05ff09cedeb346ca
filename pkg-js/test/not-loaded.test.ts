// @vitest-environment node
// `new PlanClient()` over the real module, in a module graph of its own (this file loads nothing before
// its first test): before the wasm is loaded it throws a coded NOT_LOADED error, not the glue's
// TypeError; after `await loadPlanwire()` it makes working clients, still instances of the exported class.
import { describe, expect, it } from 'vitest';
import { loadPlanwire, PlanClient } from '../src/index.js';

/** Any class with the browser's WebSocket interface will do for a client that never connects. */
class IdleSocket {}
const OPTIONS = { url: 'ws://127.0.0.1:1/ws', token: 't', WebSocket: IdleSocket };

/** What `f` throws. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
}

describe('new PlanClient() and the module load', () => {
  it('before the module is loaded: an Error with code NOT_LOADED', () => {
    const e = thrown(() => new PlanClient(OPTIONS));
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(TypeError);
    expect((e as Error).message).toMatch(/^NOT_LOADED: /);
    expect((e as Error & { code: string }).code).toBe('NOT_LOADED');
  });

  it('a failed load leaves it NOT_LOADED', async () => {
    await expect(loadPlanwire(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow();
    expect((thrown(() => new PlanClient(OPTIONS)) as { code: string }).code).toBe('NOT_LOADED');
  });

  it('after `await loadPlanwire()`: a working client, freed by free() or [Symbol.dispose]', async () => {
    await loadPlanwire();
    const client = new PlanClient(OPTIONS);
    expect(client).toBeInstanceOf(PlanClient);
    expect(client.state).toBe('idle');
    client.join('123');
    expect(client.participantCount('123')).toBe(0);
    client.free();
    // A freed client has no Rust side any more: using it throws.
    expect(() => client.state).toThrow();

    const disposed = new PlanClient(OPTIONS);
    disposed[Symbol.dispose]();
    expect(() => disposed.state).toThrow();
    // The errors of the Rust side still come through the subclass's constructor.
    expect(() => new PlanClient({ ...OPTIONS, url: 'http://h/ws' })).toThrow(/^INVALID_URL: /);
  });
});
