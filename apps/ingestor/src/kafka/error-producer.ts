import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import type { ErrorRecord } from '../pipeline/error-message.js';
import type { ErrorSink } from '../pipeline/pipeline.js';

/** Header names of an error record: where the bad message came from and why it was refused. */
export const ERROR_HEADERS = {
  topic: 'origin-topic',
  partition: 'origin-partition',
  offset: 'origin-offset',
  code: 'error-code',
} as const;

/** Produces error records to the error topic (acks from all in-sync replicas) and waits for the ack. */
export class KafkaErrorSink implements ErrorSink {
  readonly producer: Producer;
  readonly #topic: string;

  constructor(kafka: Kafka, topic: string) {
    this.#topic = topic;
    this.producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: true,
      retry: { retries: 3 },
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async send(records: readonly ErrorRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.producer.send({
      topic: this.#topic,
      acks: -1,
      messages: records.map((r) => {
        const headers: Record<string, string> = { [ERROR_HEADERS.code]: r.code };
        if (r.origin) {
          headers[ERROR_HEADERS.topic] = r.origin.topic;
          headers[ERROR_HEADERS.partition] = String(r.origin.partition);
          headers[ERROR_HEADERS.offset] = r.origin.offset;
        }
        return { key: r.origin?.key ?? null, value: JSON.stringify(r.message), headers };
      }),
    });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
