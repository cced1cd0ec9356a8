/** What the ICD metrics read from one node's `INFO memory` + `INFO replication`. */
export interface NodeInfo {
  role: 'master' | 'replica';
  usedMemoryBytes: number;
  /** The node's own replication offset (`master_repl_offset`). */
  replOffset: number;
  /** A master's connected replicas, as it reports them (`slaveN:ip=…,port=…,offset=…`). */
  replicas: { address: string; offset: number }[];
  /** A replica's master (`master_host:master_port`) and whether the link is up. */
  master?: { address: string; linkUp: boolean };
}

/** Bounds of what is parsed: a node answering something huge or odd cannot make this loop long. */
const MAX_INFO_CHARS = 256 * 1024;
const MAX_REPLICAS = 64;

const num = (v: string | undefined): number => {
  const n = v === undefined ? Number.NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : 0;
};

/** Parses the text of `INFO memory` and `INFO replication` (any order, CRLF or LF); never throws. */
export function parseNodeInfo(text: string): NodeInfo {
  const fields = new Map<string, string>();
  for (const line of text.slice(0, MAX_INFO_CHARS).split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const role = fields.get('role') === 'slave' ? 'replica' : 'master';
  const replicas: NodeInfo['replicas'] = [];
  for (let i = 0; i < MAX_REPLICAS; i++) {
    const entry = fields.get(`slave${i}`);
    if (entry === undefined) break;
    const kv = new Map(
      entry.split(',').map((part) => {
        const eq = part.indexOf('=');
        return [part.slice(0, eq), part.slice(eq + 1)] as const;
      }),
    );
    const ip = kv.get('ip');
    const port = kv.get('port');
    if (ip && port) replicas.push({ address: `${ip}:${port}`, offset: num(kv.get('offset')) });
  }
  const info: NodeInfo = {
    role,
    usedMemoryBytes: num(fields.get('used_memory')),
    replOffset: num(fields.get('master_repl_offset')),
    replicas,
  };
  const host = fields.get('master_host');
  if (role === 'replica' && host)
    info.master = {
      address: `${host}:${fields.get('master_port') ?? ''}`,
      linkUp: fields.get('master_link_status') === 'up',
    };
  return info;
}
