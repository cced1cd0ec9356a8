import type { ControlResultEvent } from '@org/cache-core';
import type { Output } from '../output/output.js';

/** Why the hub refused, for people (the result's `reason`). */
const REASON_HINTS: Record<string, string> = {
  unsigned: 'the message carried no signature',
  bad_signature: "the key is not in the API's HUB_CONTROL_PUBLIC_KEYS (or the message was altered)",
  stale: "this machine's clock differs from the hub's by more than HUB_CONTROL_MAX_SKEW_SECONDS",
  replayed: 'the nonce was used already',
  invalid_envelope: 'a header is missing or malformed',
  invalid_message: 'the hub does not accept this message (another version?)',
  unavailable: 'the cache could not apply it; retry later',
};

/** The hub's strings, safe on a terminal: no control characters, bounded. */
const printable = (text: unknown): string =>
  String(text)
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')
    .slice(0, 200);

/**
 * Prints the hub's `control.cache.result`: the raw event with `--json`, else one line
 * (`applied: deleted=2 — control.cache.action, correlation id …, by … at …`); a result that is not
 * `applied` adds a one-line reason on stderr. Returns whether it was applied.
 */
export function reportControlResult(output: Output, result: ControlResultEvent): boolean {
  const d = result.data;
  const outcome = Object.entries(d.result ?? {})
    .map(([k, v]) => `${printable(k)}=${printable(v)}`)
    .join(' ');
  output.result(
    result,
    () =>
      `${d.status}${d.reason === null ? '' : ` (${d.reason})`}${outcome === '' ? '' : `: ${outcome}`} — ${printable(d.request_event)}, correlation id ${printable(result.correlation_id)}, by ${printable(d.service_id)} at ${printable(d.timestamp)}`,
  );
  if (d.status === 'applied') return true;
  const hint = d.reason === null ? '' : `: ${d.reason} (${REASON_HINTS[d.reason] ?? 'see the API README'})`;
  output.warn(`cache-cli: the hub ${d.status === 'refused' ? 'refused' : 'failed'} the message${hint}`);
  return false;
}
