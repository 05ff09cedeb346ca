// Inlines wasm-bindgen's JS snippets (`#[wasm_bindgen(module = "/js/…")]` in client-wasm, written by
// wasm-bindgen to wasm/snippets/) into the glue, wasm/planwire.js, and removes the snippets directory:
// the package ships one glue module, loaded as one request, and the package build (CJS copy, size
// bench) sees no other file. Each `import { a, b } from './snippets/…';` line of the glue is replaced
// by the snippet's source with its `export` keywords dropped. Only if every step matches: each imported
// name is exported by its snippet, the snippet exports nothing else and imports nothing, and no other
// top-level name of the snippet is already used by the glue; anything else fails the build.
//
//   node pkg-js/scripts/inline-snippets.mjs [DIR]   (default: pkg-js/wasm)
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '../wasm');
const glueFile = join(dir, 'planwire.js');
const fail = (why) => {
  console.error(`inline-snippets: ${why}`);
  process.exit(1);
};

let glue = readFileSync(glueFile, 'utf8');
const IMPORT = /^import \{ ([\w$, ]+) \} from '(\.\/snippets\/[\w./-]+\.js)';\n/gm;
const imports = [...glue.matchAll(IMPORT)];
if (imports.length === 0) {
  console.log('inline-snippets: no snippet imports');
  process.exit(0);
}
for (const [line, names, path] of imports) {
  const source = readFileSync(join(dir, path), 'utf8');
  if (/^\s*(import|export\s+(default|\{|\*))/m.test(source)) fail(`${path}: only \`export function\` / \`export const\` declarations can be inlined`);
  const exported = [...source.matchAll(/^export (?:function|const) ([\w$]+)/gm)].map((m) => m[1]);
  const wanted = names.split(', ');
  if (exported.sort().join() !== [...wanted].sort().join()) fail(`${path} exports ${exported} but the glue imports ${wanted}`);
  const rest = glue.replace(line, '');
  const declared = [...source.matchAll(/^(?:export )?(?:function|const|let|class) ([\w$]+)/gm)].map((m) => m[1]);
  for (const name of declared) {
    const uses = rest.match(new RegExp(`(?<![\\w$.])${name.replace('$', '\\$')}(?![\\w$])`, 'g'))?.length ?? 0;
    if (!wanted.includes(name) && uses > 0) fail(`${path}: the glue already uses the name ${name}`);
  }
  glue = glue.replace(line, `${source.replace(/^export /gm, '').trimEnd()}\n`);
}
const snippets = join(dir, 'snippets');
if (existsSync(snippets)) rmSync(snippets, { recursive: true });
writeFileSync(glueFile, glue);
console.log(`inline-snippets: ${imports.length} snippet module(s) inlined into the glue`);
