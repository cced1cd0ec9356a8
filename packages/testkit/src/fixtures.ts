import { readFileSync } from 'node:fs';
import { type Reading, toReading, ValidatedOutput } from '@org/cache-core';

/** Path of a fixture file shipped with the testkit (`validated-output.ndjson`, `bad-messages.ndjson`). */
export function fixturePath(name: string): string {
  return new URL(`../fixtures/${name}`, import.meta.url).pathname;
}

/** The non-empty lines of a fixture file. */
export function fixtureLines(name: string): string[] {
  return readFileSync(fixturePath(name), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0);
}

/** Every line of `validated-output.ndjson`, parsed and mapped to readings, in file order. */
export function fixtureReadings(): Reading[] {
  return fixtureLines('validated-output.ndjson').map((line) =>
    toReading(ValidatedOutput.parse(JSON.parse(line))),
  );
}
