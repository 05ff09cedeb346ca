// `PlanClient` declares `[Symbol.dispose]`: bring its lib in for apps that target ES2022.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * planwire — the plain JavaScript entry (no React needed).
 *
 * `PlanClient` (typed events, see docs/client-api.md) and its types, plus `createPlanClient()`, which
 * loads the wasm module once and returns a ready client.
 */
import { PlanClient } from './client.js';
import { load } from './wasm.js';
import type { WasmSource } from './wasm.js';
import type { PlanClientOptions } from './types.js';

export { PlanClient };
export type { WasmSource };
export type {
  ConnectionState,
  Participant,
  PlanClientOptions,
  PlanEvents,
  Progress,
  Task,
  UserId,
} from './types.js';

let loading: Promise<void> | undefined;

/**
 * Loads and instantiates the wasm module, once; later calls share the same load. `createPlanClient` and
 * `PlanSocketProvider` call it for you; call it yourself only to construct `new PlanClient()` directly or
 * to load the `.wasm` from elsewhere (a URL, a `Response`, its bytes or a compiled module). By default the
 * file is fetched from beside the package (`new URL(…, import.meta.url)`, which Vite, webpack 5, Rollup
 * and esbuild handle).
 */
export function loadPlanwire(wasm?: WasmSource): Promise<void> {
  loading ??= load(wasm);
  return loading.catch((e) => {
    loading = undefined;
    throw e;
  });
}

/** Loads the wasm module if needed and returns a new, not yet connected client: call `connect()` on it. */
export async function createPlanClient(options: PlanClientOptions): Promise<PlanClient> {
  await loadPlanwire();
  return new PlanClient(options);
}
