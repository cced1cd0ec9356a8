import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { type NatsServer, startNats } from './nats-server.js';

/** The server's INFO line, the first thing a NATS server writes to a new connection. */
function serverInfo(port: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
      const end = text.indexOf('\r\n');
      if (end < 0) return;
      socket.destroy();
      resolve(JSON.parse(text.slice('INFO '.length, end)));
    });
    socket.once('error', reject);
  });
}

describe('startNats', () => {
  let nats: NatsServer | undefined;
  afterAll(() => nats?.stop());

  it('serves JetStream on a free port and restarts on the same port', async () => {
    nats = await startNats();
    expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
    expect(await serverInfo(nats.port)).toMatchObject({ jetstream: true, port: nats.port });
    await nats.halt();
    await expect(serverInfo(nats.port)).rejects.toThrow();
    await nats.restart();
    expect(await serverInfo(nats.port)).toMatchObject({ jetstream: true });
  });
});
