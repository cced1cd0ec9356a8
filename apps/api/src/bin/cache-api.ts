#!/usr/bin/env node
import { main } from '../server.js';

main().catch((error: unknown) => {
  process.stderr.write(`cache-api: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
