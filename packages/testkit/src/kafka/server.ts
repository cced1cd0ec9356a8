/** The TCP server: connections, framing, per-connection ordering and API dispatch. */
import { createServer, type Server, type Socket } from 'node:net';
import { FrameDecoder, ProtocolError, Reader, readRequestHeader } from './codec.js';
import {
  describeGroups,
  findCoordinator,
  heartbeat,
  joinGroup,
  leaveGroup,
  listGroups,
  syncGroup,
} from './group-apis.js';
import { GroupCoordinator } from './groups.js';
import { Topics } from './log.js';
import { apiVersions, metadata } from './metadata.js';
import { listOffsets, OffsetStore, offsetCommit, offsetFetch } from './offsets.js';
import { fetch, produce } from './produce-fetch.js';
import { type ApiHandler, ApiKey, type BrokerConfig, type BrokerContext } from './protocol.js';
import { createTopic, createTopics, deleteTopics } from './topics-admin.js';

/** A topic to create up front: a name (default partition count) or a name with a partition count. */
export type TopicConfig = string | { topic: string; partitions?: number };

export interface KafkaBrokerOptions extends Partial<BrokerConfig> {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port to listen on; default 0 (a free port). */
  port?: number;
  /** Host name given to clients in Metadata and FindCoordinator; default `host`. */
  advertisedHost?: string;
  /** Broker id; default 1. */
  nodeId?: number;
  topics?: TopicConfig[];
  /** Per-partition byte limit after which the oldest batches are dropped; default unlimited. */
  retentionBytes?: number;
  /** Called with a line for each connection closed on a protocol problem (default: ignored). */
  log?: (message: string) => void;
}

const APIS: readonly ApiHandler[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  apiVersions,
  createTopics,
  deleteTopics,
];

/**
 * A single-node, in-memory broker speaking enough of the Kafka protocol for kafkajs 2.2.4 and
 * librdkafka. For tests only.
 */
export class KafkaBroker implements BrokerContext {
  readonly nodeId: number;
  readonly host: string;
  readonly config: BrokerConfig;
  readonly topics: Topics;
  readonly groups: GroupCoordinator;
  readonly offsets = new OffsetStore();
  readonly apis = APIS;
  private readonly byKey = new Map(APIS.map((a) => [a.key, a]));
  private readonly connections = new Set<Socket>();
  private readonly server: Server;
  private readonly log: (message: string) => void;
  private listenPort = 0;
  private listenHost = '127.0.0.1';

  private constructor(options: KafkaBrokerOptions) {
    this.nodeId = options.nodeId ?? 1;
    this.host = options.advertisedHost ?? options.host ?? '127.0.0.1';
    this.config = {
      autoCreateTopics: options.autoCreateTopics ?? true,
      defaultPartitions: options.defaultPartitions ?? 1,
      minSessionTimeoutMs: options.minSessionTimeoutMs ?? 6000,
      maxSessionTimeoutMs: options.maxSessionTimeoutMs ?? 1_800_000,
    };
    this.topics = new Topics(options.retentionBytes);
    this.groups = new GroupCoordinator(this.config);
    this.log = options.log ?? (() => {});
    this.server = createServer((socket) => this.accept(socket));
    for (const t of options.topics ?? []) {
      const spec = typeof t === 'string' ? { topic: t } : t;
      this.createTopic(spec.topic, spec.partitions);
    }
  }

  /** Starts a broker listening on `host:port` (default 127.0.0.1 and a free port). */
  static async start(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
    const broker = new KafkaBroker(options);
    await new Promise<void>((resolve, reject) => {
      broker.server.once('error', reject);
      broker.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
        broker.server.off('error', reject);
        resolve();
      });
    });
    const address = broker.server.address();
    broker.listenPort = typeof address === 'object' && address ? address.port : 0;
    broker.listenHost = options.host ?? '127.0.0.1';
    return broker;
  }

  /** True while the broker is off the network (see `goOffline`). */
  get offline(): boolean {
    return !this.server.listening;
  }

  /**
   * Takes the broker off the network, as a broker outage looks to its clients: the listening
   * socket and every connection are closed (new connections are refused), while the topics, their
   * logs, the committed offsets and the groups are kept. `goOnline()` brings it back on the same port.
   */
  async goOffline(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.connections) socket.destroy();
    await closed;
  }

  /** Listens again on the host and port it had (after `goOffline`). */
  async goOnline(): Promise<void> {
    if (this.server.listening) return;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.listenPort, this.listenHost, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    return this.listenPort;
  }

  /** Bootstrap list for clients, e.g. `['127.0.0.1:39123']`. */
  get brokers(): string[] {
    return [`${this.host}:${this.port}`];
  }

  /** Creates a topic; throws when the name is invalid or the topic exists. */
  createTopic(topic: string, partitions = this.config.defaultPartitions): void {
    const error = createTopic(this, { name: topic, partitions, replicationFactor: 1, assignments: 0 });
    if (error !== 0) throw new Error(`cannot create topic ${topic}: Kafka error ${error}`);
  }

  /** Closes every connection and the listening socket. */
  async stop(): Promise<void> {
    const closed = this.server.listening
      ? new Promise<void>((resolve) => this.server.close(() => resolve()))
      : Promise.resolve();
    for (const socket of this.connections) socket.destroy();
    this.groups.close();
    await closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  private accept(socket: Socket): void {
    this.connections.add(socket);
    socket.setNoDelay(true);
    const decoder = new FrameDecoder();
    const abort = new AbortController();
    const pending: Buffer[] = [];
    const clientHost = socket.remoteAddress ?? 'unknown';
    let busy = false;

    const fail = (why: string) => {
      this.log(`closing connection from ${clientHost}:${socket.remotePort}: ${why}`);
      socket.destroy();
    };

    // Requests are handled one at a time per connection, like Kafka does, so responses (even of a
    // long-polling Fetch) go out in request order.
    const pump = async () => {
      busy = true;
      while (pending.length > 0 && !socket.destroyed) {
        const frame = pending.shift() as Buffer;
        if (pending.length < 8 && socket.isPaused()) socket.resume();
        let chunks: Buffer[] | null;
        try {
          chunks = await this.dispatch(frame, clientHost, abort.signal);
        } catch (e) {
          fail(e instanceof ProtocolError || e instanceof RangeError ? e.message : String(e));
          break;
        }
        if (!chunks || socket.destroyed) continue;
        socket.cork();
        let ok = true;
        for (const c of chunks) ok = socket.write(c);
        socket.uncork();
        if (!ok) await drained(socket);
      }
      busy = false;
    };

    socket.on('data', (data: Buffer) => {
      try {
        for (const frame of decoder.push(data)) pending.push(frame);
      } catch (e) {
        fail(e instanceof Error ? e.message : String(e));
        return;
      }
      if (pending.length > 64) socket.pause();
      if (!busy) void pump();
    });
    socket.on('error', () => {}); // 'close' follows
    socket.on('close', () => {
      abort.abort();
      this.connections.delete(socket);
    });
  }

  /** Parses the request header and runs the handler; returns the response frame, if any. */
  private async dispatch(frame: Buffer, clientHost: string, signal: AbortSignal): Promise<Buffer[] | null> {
    const body = new Reader(frame);
    const header = readRequestHeader(body);
    const api = this.byKey.get(header.apiKey);
    if (!api) throw new ProtocolError(`unsupported api key ${header.apiKey}`);
    const version = header.apiVersion;
    if (api.key !== ApiKey.ApiVersions && (version < api.minVersion || version > api.maxVersion)) {
      throw new ProtocolError(`unsupported version ${version} of api key ${header.apiKey}`);
    }
    const response = await api.handle(this, { header, body, clientHost, signal });
    return response ? response.finish() : null;
  }
}

function drained(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
