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

-- head entries of a readings string: list of {timestamp, index}, and the position of the newline
local function head(s)
  local stop = string.find(s, '\\n', 1, true)
  if not stop then return nil, nil end
  local entries, pos = {}, 1
  while pos < stop do
    local tab = string.find(s, '\\t', pos + TS, true)
    entries[#entries + 1] = { string.sub(s, pos, pos + TS - 1), string.sub(s, pos + TS, tab - 1) }
    pos = tab + 1
  end
  return entries, stop
end

local function bodies(s, stop)
  local lines = {}
  for line in string.gmatch(string.sub(s, stop + 1), '[^\\n]+') do lines[#lines + 1] = line end
  return lines
end

local function writeReadings(key, blob)
  local incoming, inStop = head(blob)
  local peek = redis.call('GETRANGE', key, 0, 511)
  if peek == '' then
    redis.call('SET', key, blob, 'EX', ttl)
    return #incoming
  end
  local newest = {}
  for _, e in ipairs(incoming) do newest[e[2]] = e[1] end
  local stored = head(peek)
  if stored then
    local superseded = true
    for _, e in ipairs(stored) do
      local ts = newest[e[2]]
      if (not ts) or ts < e[1] then superseded = false break end
    end
    if superseded then
      redis.call('SET', key, blob, 'EX', ttl)
      return #incoming
    end
  end
  -- merge: keep stored readings that are newer or not in this write
  local full = redis.call('GET', key)
  local entries, stop = head(full)
  local lines = bodies(full, stop)
  local inLines = bodies(blob, inStop)
  local at = {}
  for i, e in ipairs(entries) do at[e[2]] = i end
  local applied = 0
  for i, e in ipairs(incoming) do
    local j = at[e[2]]
    if not j then
      entries[#entries + 1] = e
      lines[#lines + 1] = inLines[i]
      applied = applied + 1
    elseif entries[j][1] <= e[1] then
      entries[j] = e
      lines[j] = inLines[i]
      applied = applied + 1
    end
  end
  if applied == 0 then
    redis.call('EXPIRE', key, ttl)
    return 0
  end
  local parts = {}
  for i, e in ipairs(entries) do parts[i] = e[1] .. e[2] .. '\\t' end
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
