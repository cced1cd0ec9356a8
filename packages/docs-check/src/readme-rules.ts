/**
 * What the README check does with each command it finds: run it, or skip it for a stated reason.
 * A rule matches by command name, never by position, so a new README line is run unless a rule
 * names why it cannot be (and a skipped line is listed in the test report as skipped).
 */

export interface SkipRule {
  test: RegExp;
  reason: string;
}

export const SKIP_RULES: readonly SkipRule[] = [
  {
    test: /^\.\/dev test\b|\s\.\/dev test\b/,
    reason: 'the whole suite (build, lint, typecheck, every test), which is what runs this check',
  },
  {
    test: /^\.\/dev start\b/,
    reason:
      'a server that runs until Ctrl-C: the check starts it itself, in the background, for the lines after it',
  },
  {
    test: /^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*docker\b/,
    reason:
      'needs a Docker engine; the compose file and Dockerfiles are checked by apps/cli/src/docker.int.test.ts',
  },
  { test: /^kcat\b/, reason: "sends to the Docker stack's Kafka (localhost:9094)" },
];

/** Why a command is not run, or null when it is. */
export function skipReason(command: string, flags: readonly string[]): string | null {
  if (flags.includes('no-test')) return 'its block is marked no-test';
  return SKIP_RULES.find((r) => r.test.test(command))?.reason ?? null;
}

/**
 * The README's addresses and placeholder files, and what the check uses instead: the API it
 * started (on a free port), a Redis of its own, a copy of the sample messages, a temp error file.
 */
export interface Rewrites {
  apiUrl: string;
  redisUrl: string;
  backfillFile: string;
  /** Where the README's `bad.ndjson` (an error file the ingestor writes) goes. */
  errorsFile: string;
}

export function rewrite(text: string, r: Rewrites): string {
  const api = new URL(r.apiUrl);
  return text
    .replaceAll('http://localhost:8080', r.apiUrl)
    .replaceAll('localhost:8080', api.host)
    .replaceAll('redis://localhost:6379', r.redisUrl)
    .replaceAll('my-backfill.ndjson', r.backfillFile)
    .replace(/(?<![\w./-])bad\.ndjson\b/g, r.errorsFile);
}
