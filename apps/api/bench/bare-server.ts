/** The ceiling: a bare Hono route on @hono/node-server, no auth, logging, metrics or backend. */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { answerBench } from './child.js';

const app = new Hono();
app.get('/bare/:id', (c) => c.json({ device_id: c.req.param('id'), ok: true }));
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) =>
  process.send?.({ port: info.port }),
);
answerBench(() => new Promise((resolve) => server.close(() => resolve())));
