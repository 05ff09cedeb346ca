/**
 * planwire/inline — import it once (`import 'planwire/inline'`) where the `.wasm` file cannot be served
 * beside the package's JavaScript: a plain `esbuild --bundle`, a single-file build, a page with no static
 * files. The module then comes from the base64 copy inlined here (220 KB raw, 87 KB gzip, in the app's
 * bundle) instead of a fetch; nothing is decoded or compiled before the first client is made.
 * Everything else is `planwire`'s: this entry exports nothing.
 */
import copy from '../wasm/planwire_bg.wasm.base64.js';
import { provide } from './inlined.js';

provide(copy);
