import { metadataFromReading } from './device-state.js';
import type { DeviceMetadata, Reading } from './models/device.js';

/** What a batch changes for one device once older duplicates are dropped. */
export interface DeviceUpdate {
  deviceId: string;
  /** The newest reading per index within the batch. */
  readings: Reading[];
  /** Metadata of the newest reading that carries metadata, if any. */
  metadata: DeviceMetadata | null;
}

export interface CoalescedBatch {
  devices: DeviceUpdate[];
  /** Readings dropped because the same batch holds a newer (or equal, later) one for the device and index. */
  superseded: number;
}

/**
 * Keeps only the newest reading per device and index (ties: the later one in the batch wins, as a
 * replay of the same message is idempotent), and the metadata of each device's newest reading.
 */
export function coalesceReadings(readings: readonly Reading[]): CoalescedBatch {
  const byDevice = new Map<string, Map<string, Reading>>();
  let superseded = 0;
  for (const r of readings) {
    let perIndex = byDevice.get(r.device_id);
    if (!perIndex) {
      perIndex = new Map();
      byDevice.set(r.device_id, perIndex);
    }
    const current = perIndex.get(r.index);
    if (current === undefined) perIndex.set(r.index, r);
    else {
      superseded++;
      if (current.timestamp <= r.timestamp) perIndex.set(r.index, r);
    }
  }
  const devices: DeviceUpdate[] = [];
  for (const [deviceId, perIndex] of byDevice) {
    let metaSource: Reading | null = null;
    for (const r of perIndex.values()) {
      if (r.metadata !== null && (metaSource === null || metaSource.timestamp <= r.timestamp)) metaSource = r;
    }
    devices.push({
      deviceId,
      readings: [...perIndex.values()],
      metadata: metaSource ? metadataFromReading(metaSource) : null,
    });
  }
  return { devices, superseded };
}
