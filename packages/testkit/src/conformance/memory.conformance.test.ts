import { createCacheClient } from '@org/cache-client';
import { clientConformance, outboxSuite } from './client-conformance.js';

clientConformance('memory', async (options) => createCacheClient({ transport: 'memory', ...options }));

outboxSuite(async (options) => createCacheClient({ transport: 'memory', ...options }));
