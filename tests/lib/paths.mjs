// Where things are.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The npm package. */
export const PKG = `${ROOT}/pkg-js`;
/** The demo board. */
export const DEMO = `${ROOT}/demo`;
