import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'bin/kafka-broker': 'bin/kafka-broker.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node22',
  // Optional dev dependencies loaded at run time only when a Docker engine answers; never bundled.
  // vitest must stay the runner's own instance (a bundled copy has no test collector).
  external: ['testcontainers', '@testcontainers/kafka', 'vitest'],
});
