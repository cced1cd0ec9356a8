import { describe } from 'vitest';
import { adminSuite } from './admin-suite.js';
import { boundsSuite } from './bounds-suite.js';
import { deviceSuite } from './device-suite.js';
import { kvSuite } from './kv-suite.js';
import { listingSuite } from './listing-suite.js';
import type { MakeClient } from './types.js';
import { validationSuite } from './validation-suite.js';

/**
 * The behaviour every transport must share. Call it from a test file with a factory that returns
 * a client on an empty cache: `clientConformance('redis', (o) => makeRedisClient(o))`.
 */
export function clientConformance(name: string, make: MakeClient): void {
  describe(`${name} conformance`, () => {
    describe('devices', () => deviceSuite(make));
    describe('listing', () => listingSuite(make));
    describe('generic cache', () => kvSuite(make));
    describe('validation', () => validationSuite(make));
    describe('bounds and data rules', () => boundsSuite(make));
    describe('admin', () => adminSuite(make));
  });
}

export { allEvents, outboxSuite } from './outbox-suite.js';
export { makeReading, seededRandom, shuffle } from './reading-factory.js';
export type { ConformanceClientOptions, MakeClient } from './types.js';
export { takeEvents, watchSuite } from './watch-suite.js';
