// Groups `twiggy top --format csv` rows of the wasm by the crate the code comes from, so
// docs/performance.md can say where the bytes go. The "name" custom section (kept only for this
// analysis) is left out. After wasm-opt an item also holds whatever was inlined into it, so the
// breakdown of the module before wasm-opt is the fairer attribution; both are printed by twiggy.sh.
//
//   twiggy top -n 100000 --format csv planwire_bg.wasm | node bench/wasm-breakdown.mjs
import { readFileSync } from 'node:fs';

/** First matching group wins; patterns are tried against the item name. */
const GROUPS = [
  ['client core (planwire_client::core)', /planwire_client::core::/],
  ['browser layer (planwire_client::web)', /planwire_client::web::|<planwire_client::web::/],
  ['protocol types (planwire_protocol serde derives)', /planwire_protocol/],
  ['serde-wasm-bindgen', /serde_wasm_bindgen/],
  ['tsify', /tsify/],
  ['serde runtime (serde, serde_core)', /serde(_core)?::/],
  ['futures + wasm-bindgen-futures', /futures/],
  ['gloo-timers', /gloo_timers/],
  ['js-sys / web-sys', /js_sys::|web_sys::/],
  [
    'wasm-bindgen runtime and export shims',
    /wasm_bindgen|__wbindgen|__wbg_|externref|shim|^planclient_|^__wbg|closure[0-9]+|describe/,
  ],
  [
    'float formatting, Debug escaping, core::fmt',
    /flt2dec|bignum|dec2flt|f64 as core::fmt|f32 as core|escape_debug|core::fmt|alloc::fmt|core::fmt|Display>::fmt|Debug>::fmt|as core::fmt|unicode::|printable/,
  ],
  ['allocator (rlsf) and alloc collections', /rlsf|dlmalloc|__rdl_|__rust_(alloc|dealloc|realloc)|__rg_|alloc::(raw_vec|alloc|rc|vec|string|collections)|<alloc::|RawVec/],
  ['panics, slicing, str helpers (core)', /core::(panicking|str|slice|result|option|char|num|ptr|cell|hash)|__rustc|std::/],
  ['data segments (strings, tables)', /^data segment|^data\[/],
  ['wasm sections (types, imports, exports, elements)', /^(type|import|export|elem|table|global|memory|custom section|"producers"|"target_features")/],
];

const csv = readFileSync(0, 'utf8').trim().split('\n').slice(1);
const totals = new Map(GROUPS.map(([g]) => [g, 0]));
totals.set('other', 0);
const others = [];
let all = 0;
for (const line of csv) {
  const m = line.match(/^("(?:[^"]|"")*"|[^,]*),(\d+),/);
  if (!m) continue;
  const name = m[1].replace(/^"|"$/g, '').replace(/""/g, '"');
  const bytes = Number(m[2]);
  if (/names" subsection|^"name"|^Σ|^\.\.\. and/.test(name)) continue;
  all += bytes;
  // Precompiled std and nightly builds name crates with their hash (`core[c5930c85a12de822]::fmt`).
  const plain = name.replace(/\[[0-9a-f]{16}\]/g, '');
  const group = GROUPS.find(([, re]) => re.test(plain))?.[0] ?? 'other';
  totals.set(group, totals.get(group) + bytes);
  if (group === 'other') others.push([name, bytes]);
}
console.log(`| where | bytes | share |\n|---|---:|---:|`);
for (const [group, bytes] of [...totals].sort((a, b) => b[1] - a[1])) {
  if (bytes > 0) console.log(`| ${group} | ${bytes.toLocaleString('en-US')} | ${((bytes / all) * 100).toFixed(1)} % |`);
}
console.log(`| **total (without the name section)** | **${all.toLocaleString('en-US')}** | |`);
if (process.env.BREAKDOWN_OTHERS) {
  for (const [name, bytes] of others.sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.BREAKDOWN_OTHERS))) console.error(`other: ${bytes} ${name}`);
}
