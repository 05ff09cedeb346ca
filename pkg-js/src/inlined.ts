/**
 * The base64 copy of the module that `planwire/inline` hands over (`provide`), or `undefined`: the facade
 * reads it first, and then loads it without fetching anything. (Without it, a browser bundle has no copy:
 * the facade's lazily imported `#inlined` is `no-copy.js` under the `browser` condition, see package.json
 * `imports`, and the package's own copy everywhere else: Node, Vitest, Jest, Deno, Bun.)
 */
export let copy: string | undefined;

/** Called by `planwire/inline` with the copy as base64. */
export function provide(base64: string): void {
  copy = base64;
}
