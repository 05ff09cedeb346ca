// Size of planwire's own JavaScript — the facade and the React hooks, without the wasm glue and the
// .wasm (bench/size.mjs measures the whole package beside the alternatives).
//
//   node scripts/size.mjs      (npm run size -w planwire; needs a build)
import { build } from 'esbuild';
import { gzipSync, constants } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const result = await build({
  stdin: { contents: "export * from './dist/index.js';\nexport * from './dist/react.js';\n", resolveDir: pkg },
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  external: ['react', '../wasm/*'],
  write: false,
});
const js = result.outputFiles[0].contents;
const gzip = gzipSync(js, { level: constants.Z_BEST_COMPRESSION }).length;
console.log(`planwire facade + React hooks: ${js.length} bytes minified, ${gzip} bytes gzip -9`);
