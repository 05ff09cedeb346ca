/**
 * Loads the planwire wasm module and moves text in and out of its memory. The module imports nothing;
 * its exports are listed in `Exports` (see client-wasm/src/abi/mod.rs for their contract).
 */

/** The module's exports. Handles are numbers; text goes through `pw_input` / `pw_output`. */
export interface Exports {
  memory: WebAssembly.Memory;
  pw_input(len: number): number;
  pw_output(): number;
  pw_output_len(): number;
  pw_arg(): number;
  pw_new(urlLen: number, tokenLen: number, authLen: number, flags: number, ...numbers: number[]): number;
  pw_free(h: number): void;
  pw_connect(h: number, now: number): void;
  pw_reconnect(h: number, now: number): void;
  pw_close(h: number): void;
  pw_join(h: number, len: number): number;
  pw_leave(h: number, len: number): number;
  pw_token_ready(h: number, ticket: number, len: number): void;
  pw_token_failed(h: number, ticket: number, len: number): void;
  pw_opened(h: number): void;
  pw_frame(h: number, len: number, now: number): void;
  pw_binary(h: number, now: number): void;
  pw_closed(h: number, code: number, len: number, now: number): void;
  pw_timeout(h: number, now: number): void;
  pw_online(h: number, now: number): void;
  pw_offline(h: number): void;
  pw_visible(h: number, now: number): void;
  pw_poll(h: number): number;
  pw_payload(h: number): number;
  pw_deadline(h: number): number;
  pw_state(h: number): number;
  pw_connection_id(h: number): number;
  pw_participant_count(h: number, len: number): number;
  pw_participants(h: number, len: number): number;
}

/** Where the module can come from: a URL (fetched), a fetch `Response`, its bytes, or a compiled module. */
export type WasmSource = string | URL | Request | Response | BufferSource | WebAssembly.Module;

/** The instantiated module's exports, once `load()` has resolved. */
export let wasm: Exports | undefined;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let bytes = new Uint8Array(0);

/** The module's memory as bytes (a fresh view after the memory grew). */
function memory(): Uint8Array {
  const buffer = wasm!.memory.buffer;
  if (bytes.buffer !== buffer) bytes = new Uint8Array(buffer);
  return bytes;
}

/** Writes `text` to the module's input buffer at `offset`; returns the UTF-8 byte length. */
export function put(text: string, offset = 0): number {
  const room = text.length * 3;
  const at = wasm!.pw_input(offset + room) + offset;
  return encoder.encodeInto(text, memory().subarray(at, at + room)).written;
}

/** The first `len` bytes of the module's output buffer, as text. */
export function take(len: number): string {
  const at = wasm!.pw_output();
  return decoder.decode(memory().subarray(at, at + len));
}

/** Fetches (if needed) and instantiates the module; `source` defaults to the file beside this package's glue. */
export async function load(source?: WasmSource): Promise<void> {
  let module: WebAssembly.Module | BufferSource;
  if (source instanceof WebAssembly.Module || source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    module = source;
  } else {
    const response = source instanceof Response ? source : await fetch(source ?? new URL('../wasm/planwire.wasm', import.meta.url));
    if (!response.ok) throw new Error(`LOAD_FAILED: ${response.status} fetching ${response.url}`);
    const bytes = await response.arrayBuffer();
    // A server that answers every path with the app's HTML (a common SPA fallback) gives a 200.
    if (new Uint32Array(bytes.slice(0, 4))[0] !== 0x6d736100) {
      throw new Error(`LOAD_FAILED: ${response.url} is not a WebAssembly module (${response.headers.get('content-type')})`);
    }
    module = bytes;
  }
  const instance = module instanceof WebAssembly.Module
    ? await WebAssembly.instantiate(module, {})
    : (await WebAssembly.instantiate(module, {})).instance;
  wasm = instance.exports as unknown as Exports;
}
