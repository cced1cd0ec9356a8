import { type Reading, timestampFromMillis } from '@org/cache-core';

const START = Date.UTC(2025, 5, 25, 0, 0, 0);

/** Readings shaped like the fixtures: each message of a device yields T, U and P. */
function messageReadings(device: string, seq: number, at: number): Reading[] {
  const timestamp = timestampFromMillis(at);
  const request_id = `7f0c2a1e-5b1d-4c55-${String(seq % 10000).padStart(4, '0')}-0d6a2c1f9e01`;
  const common = { battery_ok: true, source_sn_hex: device, datatype_category: 'M' };
  return [
    {
      device_id: device,
      index: 'T',
      timestamp,
      request_id,
      values: [Math.round(Math.random() * 400) / 10],
      labels: ['T_int'],
      display_names: ['Température intérieure'],
      metadata: {
        datatype_id: '1b7e3c52-8f3a-4d1e-9c3b-2a5e6f7d8c90',
        datatype_name: 'Température',
        datatype_unit: '°C',
        persist: true,
        ...common,
        channel_number: 1,
      },
    },
    {
      device_id: device,
      index: 'U',
      timestamp,
      request_id,
      values: [Math.round(Math.random() * 1000) / 10],
      labels: ['H'],
      display_names: ['Humidité'],
      metadata: {
        datatype_id: '5e090fde-b3e5-44eb-9e86-01ae4f2356e3',
        datatype_name: 'Humidité',
        datatype_unit: '%',
        persist: true,
        ...common,
        channel_number: 2,
      },
    },
    {
      device_id: device,
      index: 'P',
      timestamp,
      request_id,
      values: ['5', '120'],
      labels: ['measurement_period_base', 'transmission_interval'],
      display_names: null,
      metadata: {
        datatype_id: '9a0d4b6e-1c2f-4e3a-8b7c-6d5e4f3a2b1c',
        datatype_name: 'Paramètres Texte',
        datatype_unit: null,
        persist: false,
        datatype_category: 'P',
        is_config_parameter: true,
      },
    },
  ];
}

export interface Workload {
  readings: Reading[];
  devices: number;
  replayed: number;
}

/**
 * `total` readings from devices sending messages of 3 readings in time order, of which
 * `lateShare` are replays of earlier readings re-sent later (they must not win).
 */
export function buildWorkload(total: number, messagesPerDevice: number, lateShare: number): Workload {
  const devices = Math.ceil(total / (3 * messagesPerDevice));
  const fresh = Math.round(total * (1 - lateShare));
  const readings: Reading[] = [];
  let seq = 0;
  for (let m = 0; readings.length < fresh; m++) {
    for (let d = 0; d < devices && readings.length < fresh; d++) {
      const at = START + m * 60_000 + d;
      readings.push(...messageReadings(`2c02${String(d).padStart(8, '0')}`, seq++, at));
    }
  }
  readings.length = fresh;
  // Replays: copies of readings from the first half, re-sent at random later positions.
  const late: { at: number; reading: Reading }[] = [];
  while (fresh + late.length < total) {
    const reading = readings[Math.floor(Math.random() * (fresh / 2))]!;
    late.push({ at: Math.floor(fresh / 2 + Math.random() * (fresh / 2)), reading });
  }
  late.sort((a, b) => a.at - b.at);
  const stream: Reading[] = [];
  let next = 0;
  for (let i = 0; i < fresh; i++) {
    while (next < late.length && late[next]!.at === i) stream.push(late[next++]!.reading);
    stream.push(readings[i]!);
  }
  while (next < late.length) stream.push(late[next++]!.reading);
  return { readings: stream, devices, replayed: late.length };
}
