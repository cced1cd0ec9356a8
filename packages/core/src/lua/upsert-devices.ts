import { TIMESTAMP_LENGTH } from '../device-state.js';

/**
 * Writes the coalesced readings and metadata of several devices, latest wins, atomically per call.
 *
 * KEYS: per device, its metadata hash then its readings string.
 * ARGV: ttlSeconds, then per device:
 *   readingsBlob ("" when none; see device-state.ts for the format),
 *   metadataTimestamp ("" when none), fieldCount, (field, value) * fieldCount
 * Returns: per device, how many of its readings were applied.
 *
 * Latest wins per index: an incoming reading applies when nothing is stored for its index or the
 * stored timestamp is not newer (fixed-width timestamps compare as strings). Only the short head
 * of the stored string is read when every stored index is superseded (the common case): the
 * client's string is then stored as is. Otherwise both are split and merged.
 * The metadata hash is replaced only when its `last_updated` is not newer than the incoming
 * metadata's. Every write refreshes both TTLs.
 */
export const UPSERT_DEVICES_LUA = `
local TS = ${TIMESTAMP_LENGTH}
local ttl = tonumber(ARGV[1])

-- head of a readings string: parallel lists of timestamps and indexes, and the newline position
local function head(s)
  local stop = string.find(s, '\\n', 1, true)
  if not stop then return nil, nil, nil end
  local stamps, indexes, pos = {}, {}, 1
  while pos < stop do
    local tab = string.find(s, '\\t', pos + TS, true)
    stamps[#stamps + 1] = string.sub(s, pos, pos + TS - 1)
    indexes[#indexes + 1] = string.sub(s, pos + TS, tab - 1)
    pos = tab + 1
  end
  return stamps, indexes, stop
end

local function bodies(s, stop)
  local lines = {}
  for line in string.gmatch(string.sub(s, stop + 1), '[^\\n]+') do lines[#lines + 1] = line end
  return lines
end

local function writeReadings(key, blob)
  local inStamps, inIndexes, inStop = head(blob)
  local peek = redis.call('GETRANGE', key, 0, math.max(127, inStop + 32))
  if peek == '' then
    redis.call('SET', key, blob, 'EX', ttl)
    return #inIndexes
  end
  local stamps, indexes = head(peek)
  if stamps then
    -- fast path: every stored index is superseded by this write (the usual case)
    local superseded = true
    for i = 1, #indexes do
      local found = false
      for j = 1, #inIndexes do
        if inIndexes[j] == indexes[i] then
          found = inStamps[j] >= stamps[i]
          break
        end
      end
      if not found then superseded = false break end
    end
    if superseded then
      redis.call('SET', key, blob, 'EX', ttl)
      return #inIndexes
    end
  end
  -- merge: keep stored readings that are newer or not in this write
  local full = redis.call('GET', key)
  local stop
  stamps, indexes, stop = head(full)
  local lines = bodies(full, stop)
  local inLines = bodies(blob, inStop)
  local at = {}
  for i = 1, #indexes do at[indexes[i]] = i end
  local applied = 0
  for i = 1, #inIndexes do
    local j = at[inIndexes[i]]
    if not j then
      j = #indexes + 1
      indexes[j] = inIndexes[i]
    end
    if not stamps[j] or stamps[j] <= inStamps[i] then
      stamps[j] = inStamps[i]
      lines[j] = inLines[i]
      applied = applied + 1
    end
  end
  if applied == 0 then
    redis.call('EXPIRE', key, ttl)
    return 0
  end
  local parts = {}
  for i = 1, #indexes do parts[i] = stamps[i] .. indexes[i] .. '\\t' end
  redis.call('SET', key, table.concat(parts) .. '\\n' .. table.concat(lines, '\\n'), 'EX', ttl)
  return applied
end

local a = 2
local applied = {}
for d = 1, #KEYS, 2 do
  local metaKey, readingsKey = KEYS[d], KEYS[d + 1]
  local blob = ARGV[a]
  local count = 0
  if blob ~= '' then count = writeReadings(readingsKey, blob) else redis.call('EXPIRE', readingsKey, ttl) end
  local metaTs, fieldCount = ARGV[a + 1], tonumber(ARGV[a + 2])
  a = a + 3
  if fieldCount > 0 then
    local stored = redis.call('HGET', metaKey, 'last_updated')
    if (not stored) or stored <= metaTs then
      redis.call('HSET', metaKey, unpack(ARGV, a, a + 2 * fieldCount - 1))
      if redis.call('HLEN', metaKey) > fieldCount then
        -- the previous metadata had extra keys this one does not: replace it whole
        redis.call('DEL', metaKey)
        redis.call('HSET', metaKey, unpack(ARGV, a, a + 2 * fieldCount - 1))
      end
    end
    a = a + 2 * fieldCount
  end
  redis.call('EXPIRE', metaKey, ttl)
  applied[#applied + 1] = count
end
return applied
`;
