// What `npm create vite -- --template react` gives, and nothing for planwire.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
});
