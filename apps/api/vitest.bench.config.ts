import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['bench/**/*.bench.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    // The numbers are the output: print them as they come.
    silent: false,
    reporters: ['verbose'],
  },
});
