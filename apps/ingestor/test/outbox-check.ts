/** Checks the outbox of an ingested stream: one event per applied change, none for a replay. */
import type { CacheClient, CacheEvent } from '@org/cache-client';
import type { Generated } from './data.js';

/** Every event of the outbox, in delivery order (pages of 1,000). */
export async function readAllEvents(client: CacheClient): Promise<CacheEvent[]> {
  const out: CacheEvent[] = [];
  let since: string | null = null;
  for (;;) {
    const page = await client.readEvents({ since, limit: 1_000 });
    out.push(...page.events);
    if (!page.more || page.events.length === 0) return out;
    since = page.events.at(-1)!.id;
  }
}

export interface OutboxReport {
  events: number;
  /** Events whose correlation message is of an index the event applied: its exact stamp is known. */
  exact: number;
  /** Two events applying the same device, index and stamp (a replay that changed something again). */
  duplicates: number;
  /** An event applying a stamp not newer than one applied before for the same device and index. */
  notIncreasing: number;
  problems: string[];
}

interface Message {
  device: string;
  index: string;
  timestamp: string;
}

/**
 * Each event carries the correlation id of the message with its device's newest reading in the
 * write (the message's request_id; `data.ts` gives every raw message its own). When that message's
 * index is among the event's applied indexes, the event applied exactly that reading. Checks:
 * every event's correlation id names a message of its device; per device and index the applied
 * stamps strictly increase (no duplicate, nothing re-applied by a replay, nothing rolled back);
 * every device/index of the final state has an event, and its last exact event (when it is the
 * last event of that index) applied the final reading.
 */
export function checkOutbox(events: readonly CacheEvent[], data: Generated): OutboxReport {
  const byRequest = new Map<string, Message>();
  for (const value of data.values) {
    const m = JSON.parse(value) as {
      request_id: string;
      device_id: string;
      index: string;
      timestamp: string;
    };
    byRequest.set(m.request_id, { device: m.device_id, index: m.index, timestamp: `${m.timestamp}Z` });
  }
  const report: OutboxReport = {
    events: events.length,
    exact: 0,
    duplicates: 0,
    notIncreasing: 0,
    problems: [],
  };
  const problem = (text: string) => {
    if (report.problems.length < 10) report.problems.push(text);
  };
  /** device|index -> the stamp of the last exact event, and whether the last event of it was exact. */
  const last = new Map<string, { stamp: string | null; exact: boolean }>();
  const applied = new Set<string>();
  for (const e of events) {
    if (e.data.kind !== 'device') continue;
    const device = e.data.device_id!;
    const m = e.correlation_id === null ? undefined : byRequest.get(e.correlation_id);
    if (!m || m.device !== device) {
      problem(`event ${e.id} of ${device}: correlation id ${e.correlation_id} names no message of it`);
      continue;
    }
    if (e.data.operation !== 'upsert') continue;
    for (const index of e.data.indexes ?? []) {
      const key = `${device}|${index}`;
      const before = last.get(key);
      if (index !== m.index) {
        last.set(key, { stamp: before?.stamp ?? null, exact: false });
        continue;
      }
      report.exact++;
      const stampKey = `${key}|${m.timestamp}`;
      if (applied.has(stampKey)) {
        report.duplicates++;
        problem(`${key}: ${m.timestamp} applied twice`);
      } else if (before?.stamp != null && before.stamp >= m.timestamp) {
        report.notIncreasing++;
        problem(`${key}: ${m.timestamp} applied after ${before.stamp}`);
      }
      applied.add(stampKey);
      last.set(key, { stamp: m.timestamp, exact: true });
    }
  }
  for (const [key, want] of data.expected) {
    const seen = last.get(key);
    if (!seen) problem(`${key}: no event`);
    else if (seen.exact && seen.stamp !== want.timestamp)
      problem(`${key}: last event applied ${seen.stamp}, state holds ${want.timestamp}`);
  }
  return report;
}
