import { STORED_READING_TS_END, STORED_READING_TS_START } from '../device-state.js';

/**
 * Writes the coalesced readings and metadata of several devices, latest wins, atomically per call.
 *
 * KEYS: per device, its metadata hash then its readings hash.
 * ARGV: ttlSeconds, then per device:
 *   readingCount, (index, timestamp, storedReadingJson) * readingCount,
 *   metadataTimestamp ("" when none), fieldCount, (field, value) * fieldCount
 * Returns: per device, how many of its readings were applied.
 *
 * A reading applies when no reading is stored for its index or the stored one is not newer
 * (stored readings start with their fixed-width timestamp, compared as strings). The metadata
 * hash is replaced only when its `last_updated` is not newer than the incoming metadata's.
 * Every write refreshes the TTL of both keys.
 */
export const UPSERT_DEVICES_LUA = `
local ttl = tonumber(ARGV[1])
local a = 2
local applied = {}
for d = 1, #KEYS, 2 do
  local metaKey, readingsKey = KEYS[d], KEYS[d + 1]
  local n = tonumber(ARGV[a])
  a = a + 1
  local count = 0
  for _ = 1, n do
    local index, ts, json = ARGV[a], ARGV[a + 1], ARGV[a + 2]
    a = a + 3
    local current = redis.call('HGET', readingsKey, index)
    if (not current) or string.sub(current, ${STORED_READING_TS_START}, ${STORED_READING_TS_END}) <= ts then
      redis.call('HSET', readingsKey, index, json)
      count = count + 1
    end
  end
  local metaTs, fieldCount = ARGV[a], tonumber(ARGV[a + 1])
  a = a + 2
  if fieldCount > 0 then
    local current = redis.call('HGET', metaKey, 'last_updated')
    if (not current) or current <= metaTs then
      redis.call('DEL', metaKey)
      redis.call('HSET', metaKey, unpack(ARGV, a, a + 2 * fieldCount - 1))
    end
    a = a + 2 * fieldCount
  end
  redis.call('EXPIRE', readingsKey, ttl)
  redis.call('EXPIRE', metaKey, ttl)
  applied[#applied + 1] = count
end
return applied
`;
