import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRequester } from '../http/http-requester.js';
import { createHttpPool } from './http-pool.js';

let server: Server;
let baseUrl: string;
const sockets = new Set<unknown>();
let open = 0;
let peak = 0;
beforeAll(async () => {
  server = createServer((_req, res) => {
    setTimeout(() => res.end(JSON.stringify({ ok: true })), 20);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    open++;
    peak = Math.max(peak, open);
    socket.on('close', () => open--);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('HTTP connection pool', () => {
  it('opens at most max_size connections and reuses them (keep-alive)', async () => {
    const requester = new HttpRequester({ baseUrl, pool: { min_size: 1, max_size: 3 }, retries: 0 });
    const call = { method: 'GET', path: '/x', operation: 'get', idempotent: true } as const;
    await Promise.all(Array.from({ length: 30 }, () => requester.send(call)));
    await Promise.all(Array.from({ length: 30 }, () => requester.send(call)));
    expect(peak).toBe(3);
    expect(sockets.size).toBe(3);
    await requester.close();
  });

  it('refuses bounds out of range before making a pool', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            min_size: fc.oneof(fc.integer({ min: -5, max: 20_000 }), fc.double(), fc.constant(Number.NaN)),
            max_size: fc.oneof(fc.integer({ min: -5, max: 20_000 }), fc.double()),
            idle_timeout: fc.oneof(fc.double({ min: -10, max: 100_000 }), fc.constant(Number.NaN)),
          },
          { requiredKeys: [] },
        ),
        (pool) => {
          const min = pool.min_size ?? 5;
          const max = pool.max_size ?? 50;
          const idle = pool.idle_timeout ?? 300;
          const valid =
            Number.isInteger(min) &&
            min >= 1 &&
            min <= 10_000 &&
            Number.isInteger(max) &&
            max >= min &&
            max <= 10_000 &&
            idle > 0 &&
            idle <= 86_400;
          if (valid) void createHttpPool(pool).close();
          else expect(() => createHttpPool(pool)).toThrow(RangeError);
        },
      ),
    );
  });
});
