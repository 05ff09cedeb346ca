import { beforeEach, describe, expect, it, vi } from 'vitest';

const glue = vi.hoisted(() => ({ init: vi.fn(), constructed: [] as unknown[] }));
vi.mock('../src/wasm.js', () => ({ load: glue.init }));
vi.mock('../src/client.js', () => ({
  PlanClient: class {
    constructor(readonly options: unknown) {
      glue.constructed.push(options);
    }
  },
}));

describe('planwire facade', () => {
  beforeEach(() => {
    vi.resetModules();
    glue.init.mockReset();
    glue.constructed = [];
  });

  it('loads the wasm once however many clients are created', async () => {
    glue.init.mockResolvedValue({});
    const { createPlanClient } = await import('../src/index.js');
    const a = await createPlanClient({ url: 'ws://h/ws' });
    await Promise.all([createPlanClient({ url: 'ws://h/ws' }), createPlanClient({ url: 'ws://h/ws' })]);
    expect(glue.init).toHaveBeenCalledTimes(1);
    expect(glue.init).toHaveBeenCalledWith(undefined);
    expect(glue.constructed).toHaveLength(3);
    expect((a as unknown as { options: unknown }).options).toEqual({ url: 'ws://h/ws' });
  });

  it('passes a custom wasm location to the glue', async () => {
    glue.init.mockResolvedValue({});
    const { loadPlanwire } = await import('../src/index.js');
    await loadPlanwire('/static/planwire.wasm');
    expect(glue.init).toHaveBeenCalledWith('/static/planwire.wasm');
  });

  it('rejects when the wasm fails to load, and tries again on the next call', async () => {
    glue.init.mockRejectedValueOnce(new Error('404')).mockResolvedValue({});
    const { createPlanClient } = await import('../src/index.js');
    await expect(createPlanClient({ url: 'ws://h/ws' })).rejects.toThrow('404');
    expect(glue.constructed).toHaveLength(0);
    await expect(createPlanClient({ url: 'ws://h/ws' })).resolves.toBeDefined();
    expect(glue.init).toHaveBeenCalledTimes(2);
  });
});
