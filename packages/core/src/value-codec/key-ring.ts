import { ValidationError } from '../errors.js';

/**
 * The keys of encryption at rest: AES-256 keys by id, one of them active (the one new writes use).
 * Old entries name the id they were written with, so a key can rotate: add the new key, make it
 * active, keep the old ones as long as entries written with them live.
 */
export interface KeyRing {
  /** The id new writes are encrypted with. */
  readonly activeId: string;
  /** Every key by id: 32 bytes each. */
  readonly keys: ReadonlyMap<string, Uint8Array>;
}

/** Bounds of a key ring (setting or file). */
export const KEY_RING_BOUNDS = {
  /** A key id: 1-32 of `A-Z a-z 0-9 _ -` (it travels in every stored frame). */
  keyId: /^[A-Za-z0-9_-]{1,32}$/,
  maxKeys: 64,
  /** The whole setting or file, in characters. */
  maxTextLength: 16 * 1024,
  keyBytes: 32,
} as const;

function refuse(reason: string, message: string): never {
  throw new ValidationError(`encryption key ring: ${message}`, { details: { field: 'key_ring', reason } });
}

/** 32 bytes from base64 (44 characters) or hex (64 characters); never echoes the material. */
function keyMaterial(id: string, text: unknown): Uint8Array {
  if (typeof text !== 'string') refuse('bad_key', `key ${id} must be a string (base64 or hex)`);
  const t = text.trim();
  let bytes: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(t)) bytes = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=?$/.test(t) || /^[A-Za-z0-9_-]{43}$/.test(t)) bytes = Buffer.from(t, 'base64');
  if (bytes === null || bytes.length !== KEY_RING_BOUNDS.keyBytes) {
    refuse(
      'bad_key',
      `key ${id} must be ${KEY_RING_BOUNDS.keyBytes} bytes as base64 (44 characters) or hex (64)`,
    );
  }
  return new Uint8Array(bytes);
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || !KEY_RING_BOUNDS.keyId.test(id)) {
    refuse('bad_key_id', 'a key id must be 1-32 letters, digits, "_" or "-"');
  }
  return id;
}

function build(entries: [unknown, unknown][], active: unknown): KeyRing {
  if (entries.length === 0) refuse('empty', 'no key');
  if (entries.length > KEY_RING_BOUNDS.maxKeys)
    refuse('too_many_keys', `at most ${KEY_RING_BOUNDS.maxKeys} keys`);
  const keys = new Map<string, Uint8Array>();
  for (const [rawId, material] of entries) {
    const id = checkId(rawId);
    if (keys.has(id)) refuse('duplicate_key_id', `key id ${id} appears twice`);
    keys.set(id, keyMaterial(id, material));
  }
  const activeId = checkId(active);
  if (!keys.has(activeId)) refuse('unknown_active_key', `the active key ${activeId} is not in the ring`);
  return { activeId, keys };
}

/**
 * Parses a key ring from a setting or a file:
 * - `id:key,id:key` (the first is active), keys as base64 or hex of 32 bytes;
 * - JSON `{"active": "id", "keys": {"id": "key", …}}`.
 * Anything else is a `ValidationError` (CACHE_007) whose message names the problem, never a key.
 */
export function parseKeyRing(text: unknown): KeyRing {
  if (typeof text !== 'string') refuse('not_text', 'must be text');
  if (text.length > KEY_RING_BOUNDS.maxTextLength) {
    refuse('too_long', `longer than ${KEY_RING_BOUNDS.maxTextLength} characters`);
  }
  const t = text.trim();
  if (t.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(t);
    } catch {
      refuse('bad_json', 'the file is not valid JSON');
    }
    const { active, keys } = (doc ?? {}) as { active?: unknown; keys?: unknown };
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
      refuse('bad_json', '"keys" must be an object of id: key');
    }
    return build(Object.entries(keys as Record<string, unknown>), active);
  }
  const entries = t
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part): [string, string] => {
      const colon = part.indexOf(':');
      if (colon < 0) refuse('bad_entry', 'each entry is id:key');
      return [part.slice(0, colon).trim(), part.slice(colon + 1)];
    });
  return build(entries, entries[0]?.[0]);
}
