// Groups `twiggy top --format csv` rows of the wasm by where the code comes from, so docs/performance.md
// can say where the bytes go. The "name" custom section (kept only for this analysis) is left out.
//
//   twiggy top -n 100000 --format csv planwire.wasm | node bench/wasm-breakdown.mjs
import { readFileSync } from 'node:fs';

/** First matching group wins; patterns are tried against the item name. */
const GROUPS = [
  ['client core: wire JSON decoder (core::wire)', /planwire_client::core::wire|planwire_client::core::json/],
  ['client core: decode (core::decode)', /planwire_client::core::decode/],
  ['client core: state machine (core::machine)', /planwire_client::core::machine/],
  ['client core: events to JSON (core::event)', /planwire_client::core::event/],
  ['client core: other modules', /planwire_client::core::/],
  ['exports (client-wasm abi::)', /planwire_client::abi::|^pw_/],
  ['protocol types (serde derives)', /planwire_protocol/],
  ['serde runtime', /serde(_core)?::/],
  ['core::fmt / panics / str helpers', /core\[[0-9a-f]+\]::(fmt|panicking|str|slice|result|option)|core::fmt|<core\[[0-9a-f]+\]::fmt|as core\[[0-9a-f]+\]::fmt|Display>::fmt|Debug>::fmt/],
  ['allocator (client-wasm heap) and alloc collections', /planwire_client::heap|talc|dlmalloc|__rust_(alloc|dealloc|realloc)|alloc::(raw_vec|alloc|rc|vec|string|collections)|<alloc::/],
  ['data segments (strings, tables)', /^data segment|^data\[/],
  ['wasm sections (types, imports, exports, elements)', /^(type|import|export|elem|table|global|memory|custom section|"producers")/],
];

const csv = readFileSync(0, 'utf8').trim().split('\n').slice(1);
const totals = new Map(GROUPS.map(([g]) => [g, 0]));
totals.set('other', 0);
let all = 0;
for (const line of csv) {
  const m = line.match(/^("(?:[^"]|"")*"|[^,]*),(\d+),/);
  if (!m) continue;
  const name = m[1].replace(/^"|"$/g, '').replace(/""/g, '"');
  const bytes = Number(m[2]);
  if (name.includes('function names') || name.startsWith('"name"') || /^Σ|^\.\.\. and/.test(name)) continue;
  all += bytes;
  const group = GROUPS.find(([, re]) => re.test(name))?.[0] ?? 'other';
  totals.set(group, totals.get(group) + bytes);
}
console.log(`| where | bytes | share |\n|---|---:|---:|`);
for (const [group, bytes] of [...totals].sort((a, b) => b[1] - a[1])) {
  if (bytes > 0) console.log(`| ${group} | ${bytes.toLocaleString('en-US')} | ${((bytes / all) * 100).toFixed(1)} % |`);
}
console.log(`| **total (without the name section)** | **${all.toLocaleString('en-US')}** | |`);
