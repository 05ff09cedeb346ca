/**
 * What the facade's lazily imported `#inlined` is under the `browser` condition (package.json `imports`):
 * no copy of the module, so that no browser bundle, split or not, carries the 220 KB base64 copy unless
 * the app imports `planwire/inline`. Elsewhere `#inlined` is the copy, wasm/planwire_bg.wasm.base64.js.
 */
const none: string | undefined = undefined;
export default none;
