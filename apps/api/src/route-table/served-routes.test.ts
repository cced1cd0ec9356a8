import { Writable } from 'node:stream';
import { createCacheClient } from '@org/cache-client';
import pino from 'pino';
import { expect, it } from 'vitest';
import { createApp } from '../app.js';

/**
 * Asks the app itself, not the table: every pattern Hono routes (each parameter tried with `x` and
 * with every fixed segment the document has at that place) is requested, and the route that
 * answered is read from the access log. Those must be exactly the document's operations.
 */
it('serves exactly the routes /openapi.json documents', async () => {
  const lines: { msg?: string; route?: string; request_id?: string }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  const app = createApp({
    client: createCacheClient({ transport: 'memory' }),
    limits: { rateLimit: null },
    logger: pino({ level: 'info' }, sink),
  });
  const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, object> };
  const documented = new Set<string>();
  const fixedAt = new Map<number, Set<string>>();
  for (const [path, operations] of Object.entries(doc.paths)) {
    const label = path.replace(/\{(\w+)\}/g, ':$1');
    for (const method of Object.keys(operations)) documented.add(`${method.toUpperCase()} ${label}`);
    path.split('/').forEach((segment, i) => {
      if (!segment.startsWith('{')) fixedAt.set(i, (fixedAt.get(i) ?? new Set()).add(segment));
    });
  }

  const served = new Set<string>();
  const registered = app.routes.filter((r) => r.method !== 'ALL');
  expect(registered.length).toBeGreaterThan(0);
  for (const { method, path } of registered) {
    let concrete = [''];
    path
      .split('/')
      .slice(1)
      .forEach((segment, index) => {
        const i = index + 1;
        const options = segment.startsWith(':') ? ['x', ...(fixedAt.get(i) ?? [])] : [segment];
        concrete = concrete.flatMap((prefix) => options.map((o) => `${prefix}/${o}`));
      });
    for (const url of concrete) {
      const requestId = `probe-${served.size}-${lines.length}`;
      const response = await app.request(url, {
        method,
        headers: { 'x-tenant-id': 'acme', 'x-request-id': requestId, 'content-type': 'application/json' },
        body: method === 'GET' ? undefined : '{}',
      });
      const text = await response.text();
      if (response.status === 404 && text.includes('no route for')) continue;
      const line = lines.find((l) => l.request_id === requestId && l.msg === 'request');
      expect(line, `${method} ${url}`).toBeDefined();
      served.add(`${method} ${line!.route}`);
    }
  }
  expect([...served].sort()).toEqual([...documented].sort());
});
