import { connect, errors, headers, type NatsConnection } from '@nats-io/transport-node';
import { ControlResultEvent, type SignedControlMessage } from '@org/cache-core';
import { CliError } from '../errors.js';
import { redactNatsUrl } from './hub-inputs.js';

export interface HubConnection {
  servers: string[];
  user?: string;
  password?: string;
  token?: string;
}

/**
 * Publishes a signed control message as a NATS request on `subject` and waits (at most `timeoutMs`)
 * for the hub's answer: the `control.cache.result` event, returned whatever its status. No answer,
 * no hub listening, an unreachable NATS or an answer that is not a result event is a `CliError`
 * (exit 1) saying which.
 */
export async function requestControl(
  connection: HubConnection,
  subject: string,
  message: SignedControlMessage,
  timeoutMs: number,
): Promise<ControlResultEvent> {
  const shown = connection.servers.map(redactNatsUrl).join(',');
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: connection.servers,
      user: connection.user,
      pass: connection.password,
      token: connection.token,
      // connecting has its own bound: a short wait for the answer must not fail a slow connect
      timeout: Math.min(Math.max(timeoutMs, 5_000), 10_000),
      reconnect: false,
      name: 'cache-cli',
    });
  } catch (error) {
    throw new CliError(`cannot connect to NATS at ${shown}: ${(error as Error).message}`, undefined, {
      cause: error,
    });
  }
  const correlationId = message.headers['X-Correlation-ID'] ?? '';
  try {
    const h = headers();
    for (const [name, value] of Object.entries(message.headers)) h.set(name, value);
    let reply: Awaited<ReturnType<NatsConnection['request']>>;
    try {
      reply = await nc.request(subject, message.body, { timeout: timeoutMs, headers: h });
    } catch (error) {
      if (error instanceof errors.RequestError && error.isNoResponders()) {
        throw new CliError(
          `no hub listens on ${subject} at ${shown}: is the API running with NATS_URL set, and is the subject prefix its NATS_SUBJECT_PREFIX? Nothing was applied`,
          undefined,
          { cause: error },
        );
      }
      if (error instanceof errors.TimeoutError || (error as Error).cause instanceof errors.TimeoutError) {
        throw new CliError(
          `no answer from the hub on ${subject} within ${timeoutMs} ms: it may or may not have been applied (correlation id ${correlationId}; its result goes to control.cache.result)`,
          undefined,
          { cause: error },
        );
      }
      throw new CliError(`the request on ${subject} failed: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
    let json: unknown;
    try {
      json = reply.json();
    } catch {
      json = undefined;
    }
    const parsed = ControlResultEvent.safeParse(json);
    if (!parsed.success) throw new CliError(`the answer on ${subject} is not a control.cache.result event`);
    return parsed.data;
  } finally {
    await nc.close().catch(() => {});
  }
}
