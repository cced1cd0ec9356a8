/**
 * Generic tenant cache. A tenant's entries and its key index share one hash tag, so each script
 * touches one slot. Entry hash fields: v (JSON value), c (created, epoch ms), n (version).
 * The index is a zset of the tenant's keys scored by expiry (epoch ms, +inf for no TTL).
 */

/**
 * KEYS: index, entry... ARGV: (userKey, json, ttlMs) per entry (ttlMs 0 = no expiry).
 * Returns: { now, version1, version2, ... }.
 */
export const KV_SET_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = { now }
for i = 2, #KEYS do
  local a = (i - 2) * 3 + 1
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
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
return out
`;

/**
 * KEYS: entry... Returns: { now, (json|false, created, version, pttl) per key }.
 */
export const KV_GET_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = { now }
for i = 1, #KEYS do
  local row = redis.call('HMGET', KEYS[i], 'v', 'c', 'n')
  out[#out + 1] = row[1] or ''
  out[#out + 1] = row[2] or ''
  out[#out + 1] = row[3] or ''
  out[#out + 1] = redis.call('PTTL', KEYS[i])
end
return out
`;

/** KEYS: index, entry... ARGV: userKey per entry. Returns: how many entries existed. */
export const KV_DELETE_LUA = `
local deleted = 0
for i = 2, #KEYS do
  deleted = deleted + redis.call('DEL', KEYS[i])
  redis.call('ZREM', KEYS[1], ARGV[i - 1])
end
return deleted
`;
