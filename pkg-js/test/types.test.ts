// @vitest-environment node
// The public TypeScript of the package as wasm-bindgen and tsify generate it from client-wasm's Rust
// (pkg-js/wasm/planwire.d.ts, up to the glue's internal init types): any change to an option, an event
// payload or a method shows up in review as a change to the snapshot beside this file.
// Update it on purpose with `npx vitest run test/types.test.ts -u`.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('the generated public types match the reviewed snapshot', async () => {
  const dts = readFileSync(new URL('../wasm/planwire.d.ts', import.meta.url), 'utf8');
  const end = dts.indexOf('export type InitInput');
  expect(end).toBeGreaterThan(0);
  await expect(dts.slice(0, end).trimEnd() + '\n').toMatchFileSnapshot('./planwire.d.ts.snap');
});
