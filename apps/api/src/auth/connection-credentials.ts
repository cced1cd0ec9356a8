import type { Principal } from './principal.js';

interface Remembered {
  authorization: string;
  principal: Principal;
  /** `Authenticator.generation` when it was verified: a reload forgets it. */
  generation: number;
}

/**
 * Remembers, per connection, the last `Authorization` header that verified as a static token, so
 * that the next requests of a keep-alive connection (which send the same header) skip the SHA-256
 * and the digest comparisons. A header is only ever compared, in constant time, with one that came
 * on the same connection; nothing outlives the connection (a WeakMap on its socket) or a reload.
 */
export class ConnectionCredentials {
  readonly #byConnection = new WeakMap<object, Remembered>();

  /** The principal of `authorization` if it is what verified last on this connection. */
  get(connection: object, authorization: string, generation: number): Principal | undefined {
    const remembered = this.#byConnection.get(connection);
    if (remembered === undefined || remembered.generation !== generation) return undefined;
    return sameString(remembered.authorization, authorization) ? remembered.principal : undefined;
  }

  remember(connection: object, authorization: string, principal: Principal, generation: number): void {
    this.#byConnection.set(connection, { authorization, principal, generation });
  }
}

/** String equality whose time depends on the lengths only, not on where the strings differ. */
export function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
