import pino from 'pino';
import type { Logger } from '../logger.js';

/** What one access-log line says of a request (no path, header, token or value). */
export interface AccessFields {
  /** Printable and short (the caller checked it, or made it): written as it is. */
  requestId: string;
  correlationId: string;
  status: number;
  ms: number;
  principal: string | undefined;
  tenant: string | undefined;
  clientClosed: boolean;
}

/** Printable ASCII without `"` or `\`: a JSON string as it is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const jsonString = (text: string) => (PLAIN.test(text) ? `"${text}"` : JSON.stringify(text));

interface PinoInternals {
  lsCache: Record<number, string>;
  time: () => string;
  chindings: string;
  stream: { write(line: string): void };
  end: string;
}

function internalsOf(log: Logger): PinoInternals {
  const s = pino.symbols;
  const l = log as unknown as Record<symbol, unknown>;
  return {
    lsCache: l[s.lsCacheSym] as Record<number, string>,
    time: l[s.timeSym] as () => string,
    chindings: l[s.chindingsSym] as string,
    stream: l[s.streamSym] as PinoInternals['stream'],
    end: l[s.endSym] as string,
  };
}

/**
 * The access-log line of one method and route, written by hand with pino's own pieces of the
 * logger (level, time function, bound fields, stream, line end; `pino.symbols`), so the line is
 * byte for byte what `log.info({request_id, correlation_id, status, ms, principal, tenant}, msg)`
 * writes (a test compares them), without pino's per-field loop: about 2 µs less per request.
 * The ids are already safe (`observe` keeps a caller's id only when it is short and printable);
 * principal and tenant are escaped when they need it.
 */
export class AccessLog {
  readonly #log: Logger;
  readonly #pino: PinoInternals;
  readonly #info: number;

  constructor(log: Logger) {
    this.#log = log;
    this.#pino = internalsOf(log);
    this.#info = log.levels.values.info!;
  }

  get enabled(): boolean {
    return this.#log.isLevelEnabled('info');
  }

  write(f: AccessFields): void {
    const p = this.#pino;
    let line = `${p.lsCache[this.#info]}${p.time()}${p.chindings},"request_id":"${f.requestId}","correlation_id":"${f.correlationId}","status":${f.status},"ms":${f.ms}`;
    if (f.principal !== undefined) line += `,"principal":${jsonString(f.principal)}`;
    if (f.tenant !== undefined) line += `,"tenant":${jsonString(f.tenant)}`;
    line += f.clientClosed ? `,"client_closed":true,"msg":"client closed"` : `,"msg":"request"`;
    p.stream.write(line + p.end);
  }
}
