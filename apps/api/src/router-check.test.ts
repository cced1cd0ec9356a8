import { createCacheClient } from '@org/cache-client';
import { expect, it } from 'vitest';
import { createApp } from './app.js';

it('routes with the RegExpRouter (the fastest; a fixed path beside a parameter would demote it)', async () => {
  const app = createApp({ client: createCacheClient({ transport: 'memory' }) });
  await app.request('/health/live');
  expect((app as unknown as { router: { name: string } }).router.name).toBe('SmartRouter + RegExpRouter');
});
