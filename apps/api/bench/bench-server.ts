/** The real API (`startApi` from env, as `cache-api` runs it) in a child process of the bench. */
import { loadEnv } from '../src/env.js';
import { createLogger } from '../src/logger.js';
import { startApi } from '../src/server.js';

const env = loadEnv(process.env);
const api = await startApi(env, createLogger(env.LOG_LEVEL));
process.send?.({ port: api.port });
process.on('message', (message) => {
  if (message === 'stop') void api.close().then(() => process.exit(0));
});
