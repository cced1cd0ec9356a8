import { createCacheClient } from '@org/cache-client';
import { clientConformance } from './client-conformance.js';

clientConformance('memory', async (options) => createCacheClient({ transport: 'memory', ...options }));
