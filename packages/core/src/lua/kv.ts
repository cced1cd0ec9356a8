/**
 * Generic tenant cache. A tenant's entries and its key index share one hash tag, so each script
 * touches one slot. Entry hash fields: v (JSON value), c (created, epoch ms), n (version).
 * The index is a zset of the tenant's keys scored by expiry (epoch ms, +inf for no TTL).
 * The tenant's outbox stream shares the hash tag too: the set and delete scripts append one event
 * per key they change (`o` operation, `t` tenant, `k` key, `s` service, `c` correlation) in the
 * same script, then trim the stream by age once (`XTRIM MINID ~`); each XADD caps by `MAXLEN ~`.
 */

/** Lua: the outbox arguments ARGV[1..6] and `emit(key)`. */
const KV_OUTBOX_LUA = `
local outbox, maxLen, maxAge, service, corr, tenant = ARGV[1] == '1', ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6]
local lastEvent
local function emit(stream, operation, key)
  if corr == '' then
    lastEvent = redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*', 'o', operation, 't', tenant, 'k', key, 's', service)
  else
    lastEvent = redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*', 'o', operation, 't', tenant, 'k', key, 's', service,
      'c', corr)
  end
end
local function trimByAge(stream)
  if lastEvent then
    local ms = tonumber(string.sub(lastEvent, 1, string.find(lastEvent, '-', 1, true) - 1))
    redis.call('XTRIM', stream, 'MINID', '~', tostring(ms - maxAge))
  end
end
`;

/**
 * KEYS: index, stream, entry... ARGV: the outbox's six (on, max length, max age ms, service,
 * correlation, tenant), then (userKey, json, ttlMs) per entry (ttlMs 0 = no expiry).
 * Returns: { now, version1, version2, ... }.
 */
export const KV_SET_LUA = `${KV_OUTBOX_LUA}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = { now }
for i = 3, #KEYS do
  local a = (i - 3) * 3 + 7
  local key, json, ttl = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
  redis.call('HSET', KEYS[i], 'v', json, 'c', now)
  local version = redis.call('HINCRBY', KEYS[i], 'n', 1)
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[i], ttl)
    redis.call('ZADD', KEYS[1], now + ttl, key)
  else
    redis.call('PERSIST', KEYS[i])
    redis.call('ZADD', KEYS[1], '+inf', key)
  end
  out[#out + 1] = version
  if outbox then emit(KEYS[2], 'set', key) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
trimByAge(KEYS[2])
return out
`;

/**
 * KEYS: index, entry... ARGV: userKey per entry. Returns: { now, (json|'', created, version, pttl,
 * expired) per key }: `expired` is 1 when the entry is gone but the tenant's key index still holds
 * it with an expiry in the past (the key expired; CACHE_002), else 0.
 */
export const KV_GET_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = { now }
for i = 2, #KEYS do
  local row = redis.call('HMGET', KEYS[i], 'v', 'c', 'n')
  out[#out + 1] = row[1] or ''
  out[#out + 1] = row[2] or ''
  out[#out + 1] = row[3] or ''
  out[#out + 1] = redis.call('PTTL', KEYS[i])
  local expired = 0
  if not row[1] then
    local score = redis.call('ZSCORE', KEYS[1], ARGV[i - 1])
    if score and score ~= 'inf' and tonumber(score) <= now then expired = 1 end
  end
  out[#out + 1] = expired
end
return out
`;

/**
 * KEYS: index, stream, entry... ARGV: the outbox's six, the operation (delete, invalidate or
 * clear), then userKey per entry. An event per entry that existed. Returns: how many existed.
 */
export const KV_DELETE_LUA = `${KV_OUTBOX_LUA}
local operation = ARGV[7]
local deleted = 0
for i = 3, #KEYS do
  local existed = redis.call('DEL', KEYS[i])
  deleted = deleted + existed
  redis.call('ZREM', KEYS[1], ARGV[i + 5])
  if outbox and existed == 1 then emit(KEYS[2], operation, ARGV[i + 5]) end
end
trimByAge(KEYS[2])
return deleted
`;
