import { createCacheClient } from '@org/cache-client';
import { clientConformance, outboxSuite, watchSuite } from './client-conformance.js';

clientConformance('memory', async (options) => createCacheClient({ transport: 'memory', ...options }));

outboxSuite(async (options) => createCacheClient({ transport: 'memory', ...options }));
watchSuite(async (options) => createCacheClient({ transport: 'memory', ...options }));
