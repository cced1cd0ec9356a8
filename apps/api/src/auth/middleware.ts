import type { MiddlewareHandler } from 'hono';
import { type AppEnv, requestHeader } from '../http/context.js';
import type { Authenticator } from './authenticator.js';
import { ConnectionCredentials } from './connection-credentials.js';

/**
 * Sets the request's principal from `Authorization: Bearer`; 401 AUTH_001 when missing or wrong.
 * A static token that verified on a connection is remembered there for its next requests.
 * With a failure guard (`AuthConfig.failures`), failures are counted per client address (the socket's peer) and an
 * address over the limit gets 429 instead of a verification (requests without a socket, as under
 * `app.request()`, have no address and are not counted).
 */
export function authenticate(auth: Authenticator): MiddlewareHandler<AppEnv> {
  const remembered = new ConnectionCredentials();
  const failures = auth.failures;
  return (c, next) => {
    const authorization = requestHeader(c, 'authorization');
    const connection = c.env?.incoming?.socket;
    if (connection && authorization !== undefined) {
      const known = remembered.get(connection, authorization, auth.generation);
      if (known !== undefined) {
        c.set('principal', known);
        return next();
      }
    }
    const address = failures !== null && auth.enabled ? connection?.remoteAddress : undefined;
    if (address !== undefined) failures!.check(address);
    let principal: ReturnType<Authenticator['authenticate']>;
    try {
      principal = auth.authenticate(authorization);
    } catch (error) {
      if (address !== undefined) return failures!.failed(address, error);
      throw error;
    }
    if (!(principal instanceof Promise)) {
      // Static tokens: no extra promise on the hot path.
      if (connection && authorization !== undefined && principal.kind === 'token')
        remembered.remember(connection, authorization, principal, auth.generation);
      c.set('principal', principal);
      return next();
    }
    return principal.then(
      (p) => {
        c.set('principal', p);
        return next();
      },
      (error: unknown) => (address !== undefined ? failures!.failed(address, error) : Promise.reject(error)),
    );
  };
}
