import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'happy-dom',
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 10_000,
    // node.test.ts checks that a connected client is not garbage-collected.
    execArgv: ['--expose-gc'],
  },
});
