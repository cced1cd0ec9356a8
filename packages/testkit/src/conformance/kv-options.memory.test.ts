import { createCacheClient } from '@org/cache-client';
import { withCodec } from './kv-options-codec.js';
import { kvOptionsSuite } from './kv-options-suite.js';

kvOptionsSuite(async ({ encryption }) => withCodec(createCacheClient({ transport: 'memory' }), encryption));
