import { defineConfig } from 'vite';

// The page reads its server from `?server=host:port` or VITE_PLANWIRE_SERVER (see README.md).
export default defineConfig({
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  // Pre-bundle React up front so the dev server never reloads the page mid-session (and mid-test).
  optimizeDeps: { include: ['react', 'react-dom/client', 'react/jsx-dev-runtime'] },
});
