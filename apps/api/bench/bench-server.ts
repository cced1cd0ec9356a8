/** The real API (`startApi` from env, as `cache-api` runs it) in a child process of the bench. */
import { loadEnv } from '../src/env.js';
import { createLogger } from '../src/logger.js';
import { startApi } from '../src/server.js';
import { answerBench } from './child.js';

const env = loadEnv(process.env);
const api = await startApi(env, createLogger(env.LOG_LEVEL));
process.send?.({ port: api.port });
answerBench(() => api.close());
