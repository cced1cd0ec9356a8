/**
 * For the apps' tests only (`@org/service-kit/testing`; needs fast-check, a dev dependency): random
 * environment maps over the common settings, valid and hostile values mixed, so each app can check
 * that it parses the common part exactly as `parseCommonSettings` does (so as every other app).
 */
import fc from 'fast-check';
import { COMMON_SETTING_NAMES } from './settings.js';

const value = fc.oneof(
  fc.constantFrom(
    'redis://h:1',
    'rediss://:pw@h:6380/2',
    'a:1,b:2',
    '[::1]:7000',
    'true',
    'OFF',
    'INFO',
    'Warning',
    'critical',
    'json',
    'PRETTY',
    '60',
    '1e3',
    '-1',
    '0x10',
    '{x}',
    'p:',
    ' ',
    '',
  ),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.integer({ min: -10, max: 1e9 }).map(String),
  fc.string({ maxLength: 5_000 }),
);

/** A map of some common variables (each present or not) to valid or hostile values. */
export const commonEnvArbitrary: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.constantFrom(...COMMON_SETTING_NAMES),
  value,
);

export { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './tracing/otlp-receiver.js';
