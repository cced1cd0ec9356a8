/**
 * Records that devices were written: adds them to the id index and moves their expiry forward,
 * then trims up to `trimLimit` index entries whose device expired, so the index follows the TTL
 * and cannot grow without bound. Time comes from the Redis server.
 *
 * KEYS: byId, byExpiry. ARGV: ttlMs, trimLimit, deviceId...
 * Returns: how many expired entries were trimmed.
 */
export const TOUCH_DEVICE_INDEX_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- a string, as numbers given to redis.call are formatted anew each time
local expiry = string.format('%d', now + tonumber(ARGV[1]))
local byId, byExp = {}, {}
for i = 3, #ARGV do
  byId[#byId + 1] = '0'
  byId[#byId + 1] = ARGV[i]
  byExp[#byExp + 1] = expiry
  byExp[#byExp + 1] = ARGV[i]
  if #byId >= 2000 or i == #ARGV then
    redis.call('ZADD', KEYS[1], unpack(byId))
    redis.call('ZADD', KEYS[2], unpack(byExp))
    byId, byExp = {}, {}
  end
end
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. now, 'LIMIT', 0, tonumber(ARGV[2]))
if #old > 0 then
  redis.call('ZREM', KEYS[2], unpack(old))
  redis.call('ZREM', KEYS[1], unpack(old))
end
return #old
`;

/**
 * One bounded step of the id-ordered listing: reads at most `count` ids of the lexicographic range
 * and returns the live ones with their expiry. The caller filters by pattern and continues from
 * the last examined id, so each call costs O(log n + count) whatever the index size.
 *
 * KEYS: byId, byExpiry. ARGV: min, max (ZRANGEBYLEX bounds), offset, count, minExpiry.
 * Returns: { examined, lastExamined, now, id1, expiry1, id2, expiry2, ... } (live ids only).
 */
export const SCAN_DEVICE_INDEX_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local minExpiry = math.max(now, tonumber(ARGV[5]))
local ids = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', tonumber(ARGV[3]), tonumber(ARGV[4]))
local out = { #ids, ids[#ids] or '', now }
if #ids == 0 then return out end
local scores = redis.call('ZMSCORE', KEYS[2], unpack(ids))
for i = 1, #ids do
  local s = scores[i]
  if s and tonumber(s) > minExpiry then
    out[#out + 1] = ids[i]
    out[#out + 1] = s
  end
end
return out
`;

/**
 * Most recently written devices first, from the expiry index.
 * KEYS: byExpiry. ARGV: maxExpiry ("+inf" or a score), skip, count, minExpiry.
 * Returns: { now, id1, expiry1, ... }.
 */
export const SCAN_DEVICE_INDEX_BY_EXPIRY_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local minExpiry = math.max(now, tonumber(ARGV[4]))
local rows = redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '(' .. minExpiry, 'WITHSCORES', 'LIMIT', tonumber(ARGV[2]), tonumber(ARGV[3]))
table.insert(rows, 1, now)
return rows
`;

/**
 * Counts for cache info. KEYS: byId, byExpiry.
 * Returns: { live, indexed, now, oldestExpiry|"", newestExpiry|"" }.
 */
export const DEVICE_INDEX_INFO_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local live = redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf')
local indexed = redis.call('ZCARD', KEYS[2])
local oldest = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
local newest = redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')
return { live, indexed, now, oldest[2] or '', newest[2] or '' }
`;
