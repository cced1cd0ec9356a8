import type { Principal } from '../auth/principal.js';
import { type AppBindings, remoteAddress } from '../http/context.js';

/**
 * Whom a per-caller limit counts: the token's service id (auth on), else the connection's peer
 * address (auth off: every caller is `anonymous`). Never a header the client chooses.
 */
export function callerSubject(principal: Principal, env: AppBindings | undefined): string {
  return principal.kind === 'anonymous' ? `ip:${remoteAddress(env)}` : principal.rateSubject;
}
