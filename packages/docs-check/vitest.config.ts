import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // The README blocks run one after another against one API; the fresh clone builds a whole copy.
    fileParallelism: false,
  },
});
