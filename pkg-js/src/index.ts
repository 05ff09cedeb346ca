// The wasm-bindgen glue's types declare `[Symbol.dispose]`: bring its lib in for apps that target ES2022.
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * planwire — the plain JavaScript entry (no React needed).
 *
 * Re-exports the WebAssembly `PlanClient` (typed events, see docs/client-api.md) and its types, plus
 * `createPlanClient()`, which loads the wasm module once and returns a ready client.
 */
import initWasm, { PlanClient } from '../wasm/planwire_client.js';
import type { InitInput, PlanClientOptions } from '../wasm/planwire_client.js';

export { PlanClient };
export type {
  ConnectionState,
  Participant,
  PlanClientOptions,
  PlanEvents,
  Progress,
  Task,
  UserId,
} from '../wasm/planwire_client.js';

let loading: Promise<unknown> | undefined;

/**
 * Loads and instantiates the wasm module, once; later calls share the same load. `createPlanClient` and
 * `PlanSocketProvider` call it for you; call it yourself only to construct `new PlanClient()` directly or
 * to load the `.wasm` from elsewhere. By default the file is fetched from beside the glue
 * (`new URL(…, import.meta.url)`, which Vite, webpack 5, Rollup and esbuild handle).
 */
export function loadPlanwire(wasm?: InitInput): Promise<void> {
  loading ??= initWasm(wasm && { module_or_path: wasm });
  return loading.then(
    () => {},
    (e) => {
      loading = undefined;
      throw e;
    },
  );
}

/** Loads the wasm module if needed and returns a new, not yet connected client: call `connect()` on it. */
export async function createPlanClient(options: PlanClientOptions): Promise<PlanClient> {
  await loadPlanwire();
  return new PlanClient(options);
}
