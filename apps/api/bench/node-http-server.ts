/**
 * The floor of Node's HTTP: a bare `node:http` server (no framework, no auth, log, metrics or
 * backend) answering every request with a device's answer as the API's near-cache hit sends it:
 * the same status, headers and body size. What the API costs above it is Hono and the API's own
 * work; what it costs itself is Node's (and the machine's) share of every request.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerBench } from './child.js';

const BODY_BYTES = Number(process.env.NODE_HTTP_BODY_BYTES ?? 480);
const body = Buffer.alloc(BODY_BYTES, 'x');
const server = createServer((req, res) => {
  req.resume();
  const id = randomUUID();
  res.writeHead(200, {
    'x-request-id': id,
    'x-correlation-id': id,
    'ratelimit-limit': '1000000000',
    'ratelimit-remaining': '999999999',
    'ratelimit-reset': '60',
    etag: '"1abcdef-2bcdefg-d8"',
    'cache-control': 'private, no-cache',
    'content-type': 'application/json',
  });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
answerBench(
  () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);
