import { defineConfig } from 'vitest/config';

/** `pnpm bench`: the end-to-end throughput bench, run by vitest (it uses the testkit's servers). */
export default defineConfig({
  test: {
    include: ['bench/**/*.bench.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    globalSetup: ['test/global-setup.ts'],
    reporters: ['verbose'],
  },
});
