import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'bin/cache-api': 'src/bin/cache-api.ts',
    'bench/bench-server': 'bench/bench-server.ts',
    'bench/bare-server': 'bench/bare-server.ts',
    'bench/node-http-server': 'bench/node-http-server.ts',
    'bench/load': 'bench/load.ts',
  },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node22',
  // Dependencies (and the bench's dev dependencies: testkit, autocannon) load from node_modules.
  skipNodeModulesBundle: true,
});
