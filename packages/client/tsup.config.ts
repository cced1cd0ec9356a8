import { defineConfig } from 'tsup';

export default defineConfig({
  // "." and the subpath exports of package.json (ESM + CJS + types each)
  entry: {
    index: 'src/index.ts',
    transports: 'src/public/transports.ts',
    resilience: 'src/public/resilience.ts',
    'value-codec': 'src/public/value-codec.ts',
  },
  format: ['esm', 'cjs'],
  // one copy of each module for every entry, in CJS too (a class from /transports is the one createCacheClient uses)
  splitting: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node22',
});
