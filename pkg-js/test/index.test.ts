// The facade's loading rules, over a mocked wasm-pack glue: one load shared by every client, a custom
// source handed to the glue, a failed load retried, and answers that are not wasm refused with
// LOAD_FAILED before the glue sees them.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const glue = vi.hoisted(() => ({ init: vi.fn(), constructed: [] as unknown[] }));
vi.mock('../wasm/planwire.js', () => ({
  default: glue.init,
  PlanClient: class {
    constructor(readonly options: unknown) {
      glue.constructed.push(options);
    }
  },
}));

const WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
vi.mock('../wasm/planwire_bg.wasm.base64.js', () => ({ default: 'AGFzbQEAAAA=' }));

describe('planwire facade', () => {
  beforeEach(() => {
    vi.resetModules();
    glue.init.mockReset();
    glue.constructed = [];
  });

  it('loads the wasm once however many clients are created', async () => {
    glue.init.mockResolvedValue({});
    const { createPlanClient, loadPlanwire } = await import('../src/index.js');
    await loadPlanwire(WASM);
    const a = await createPlanClient({ url: 'ws://h/ws' });
    await Promise.all([createPlanClient({ url: 'ws://h/ws' }), createPlanClient({ url: 'ws://h/ws' })]);
    expect(glue.init).toHaveBeenCalledTimes(1);
    expect(glue.init).toHaveBeenCalledWith({ module_or_path: WASM });
    expect(glue.constructed).toHaveLength(3);
    const { api, ...options } = (a as unknown as { options: { api: Record<string, unknown> } }).options;
    expect(options).toEqual({ url: 'ws://h/ws' });
    // The plan functions the app left out are the REST defaults; its own are kept.
    expect(Object.keys(api).sort()).toEqual(['createTask', 'deleteTask', 'loadPlan', 'reorderTasks', 'updateTask']);
    const loadPlan = vi.fn(async () => ({ tasks: [] }));
    const b = await createPlanClient({ url: 'ws://h/ws', api: { loadPlan } });
    const bApi = (b as unknown as { options: { api: { loadPlan: (id: string, ctx: object) => Promise<unknown> } } }).options.api;
    await bApi.loadPlan('7', {});
    expect(loadPlan).toHaveBeenCalledWith('7', {});
    // A per-plan loader wins for its plan only.
    const one = vi.fn(async () => ({ tasks: [] }));
    b.planLoaders.set('8', one);
    await bApi.loadPlan('8', {});
    await bApi.loadPlan('7', {});
    expect(one).toHaveBeenCalledTimes(1);
    expect(loadPlan).toHaveBeenCalledTimes(2);
  });

  it('hands a fetched module to the glue, and fetches nothing at import time', async () => {
    glue.init.mockResolvedValue({});
    const fetch = vi.fn(async () => new Response(WASM, { headers: { 'content-type': 'application/wasm' } }));
    vi.stubGlobal('fetch', fetch);
    try {
      const { loadPlanwire } = await import('../src/index.js');
      expect(fetch).not.toHaveBeenCalled();
      await loadPlanwire('/static/planwire_bg.wasm');
      expect(fetch).toHaveBeenCalledWith('/static/planwire_bg.wasm');
      expect(glue.init).toHaveBeenCalledTimes(1);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('hands a response served as application/wasm to the glue as it is, to compile it while it streams', async () => {
    glue.init.mockResolvedValue({});
    const response = new Response(WASM, { headers: { 'content-type': 'application/wasm' } });
    const { loadPlanwire } = await import('../src/index.js');
    await loadPlanwire(response);
    expect(glue.init).toHaveBeenCalledWith({ module_or_path: response });
    expect(response.bodyUsed).toBe(false);
  });

  it('without a source, falls back to the inlined copy when the file beside the package cannot be had', async () => {
    glue.init.mockResolvedValue({});
    for (const answer of [
      () => Promise.reject(new TypeError('fetch failed')), // Node, file: URLs
      async () => new Response('missing', { status: 404 }), // dev server moved the JS away from the file
      async () => new Response('<!doctype html>', { headers: { 'content-type': 'text/html' } }), // SPA fallback
    ]) {
      vi.resetModules();
      glue.init.mockClear();
      vi.stubGlobal('fetch', vi.fn(answer));
      try {
        const { loadPlanwire } = await import('../src/index.js');
        await loadPlanwire();
        expect(glue.init).toHaveBeenCalledWith({ module_or_path: WASM });
      } finally {
        vi.unstubAllGlobals();
      }
    }
  });

  it('in a browser bundle (no copy unless planwire/inline), fails with LOAD_FAILED naming the ways out', async () => {
    // Under the `browser` condition the facade's `#inlined` is dist/no-copy.js.
    vi.doMock('../wasm/planwire_bg.wasm.base64.js', () => import('../src/no-copy.js'));
    vi.stubGlobal('fetch', vi.fn(async () => new Response('missing', { status: 404 })));
    try {
      const { loadPlanwire } = await import('../src/index.js');
      await expect(loadPlanwire()).rejects.toThrow(/^LOAD_FAILED: \S+\/wasm\/planwire_bg\.wasm failed: .*loadPlanwire\(url\).*'planwire\/inline'$/);
      expect(glue.init).not.toHaveBeenCalled();
    } finally {
      // Back to the file-wide mock of the copy (an 8-byte module).
      vi.doMock('../wasm/planwire_bg.wasm.base64.js', () => ({ default: 'AGFzbQEAAAA=' }));
      vi.unstubAllGlobals();
    }
  });

  it('with planwire/inline imported, loads its copy first, without fetching', async () => {
    glue.init.mockResolvedValue({});
    const fetch = vi.fn(async () => new Response('missing', { status: 404 }));
    vi.stubGlobal('fetch', fetch);
    try {
      await import('../src/inline.js');
      const { loadPlanwire } = await import('../src/index.js');
      await loadPlanwire();
      expect(glue.init).toHaveBeenCalledWith({ module_or_path: WASM });
      expect(fetch).not.toHaveBeenCalled();
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('rejects a failed fetch and a response that is not wasm (an SPA fallback page) with LOAD_FAILED', async () => {
    const { loadPlanwire } = await import('../src/index.js');
    await expect(loadPlanwire(new Response('not found', { status: 404 }))).rejects.toThrow(/^LOAD_FAILED: 404 /);
    const html = new Response('<!doctype html><title>app</title>', { headers: { 'content-type': 'text/html' } });
    await expect(loadPlanwire(html)).rejects.toThrow(/^LOAD_FAILED: .*is not a WebAssembly module \(text\/html\)$/);
    expect(glue.init).not.toHaveBeenCalled();
  });

  it('rejects when the wasm fails to load, and tries again on the next call', async () => {
    glue.init.mockRejectedValueOnce(new Error('broken')).mockResolvedValue({});
    const { createPlanClient, loadPlanwire } = await import('../src/index.js');
    await expect(loadPlanwire(WASM)).rejects.toThrow('broken');
    await loadPlanwire(WASM);
    await expect(createPlanClient({ url: 'ws://h/ws' })).resolves.toBeDefined();
    expect(glue.init).toHaveBeenCalledTimes(2);
  });
});
