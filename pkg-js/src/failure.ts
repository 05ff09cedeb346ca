import type { ErrorCode, PlanwireError } from '../wasm/planwire.js';

/** A `PlanwireError`: an `Error` with a `code`, its message `CODE: explanation`. */
export function failure(code: ErrorCode, explanation: string): PlanwireError {
  return Object.assign(new Error(`${code}: ${explanation}`), { code });
}
