import { defineConfig } from 'vite';

// The page reads its server from `?server=host:port` or VITE_PLANWIRE_SERVER (see README.md).
export default defineConfig({
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
});
