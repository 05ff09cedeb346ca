/**
 * The React functions planwire's hooks use, imported from `react` in this one module: a bundler that
 * keeps an external package's imports per module (esbuild does) then emits one `import … from 'react'`
 * for all the hooks' files instead of one each.
 */
export { createContext, createElement, useCallback, useContext, useEffect, useInsertionEffect, useMemo, useRef, useSyncExternalStore } from 'react';
