import { RECORD_FIXED_HEAD, RECORD_METADATA_END } from '../readings-record.js';
import { TIMESTAMP_WIDTH } from '../timestamp.js';

/**
 * Writes the readings and metadata of several devices, latest wins, atomically per call.
 *
 * KEYS: per device, its metadata hash, its readings record (see readings-record.ts), and the
 * outbox stream of its bucket (same slot).
 * ARGV: ttlSeconds, outbox ('1' on, '' off), stream max length, max age ms, service id,
 *   correlation id of the call ('' none), then per device:
 *   record (the client's encoding of this write), oldestStamp (its oldest reading's timestamp),
 *   metadataBody (JSON array of the hash fields but last_updated; "" when the write has none),
 *   deviceId (verbatim, for the event), the device's own correlation id ('' : the call's)
 * Outbox: each device whose state this call changes gets one XADD (`o` upsert|metadata, `d` id,
 * `i` the applied indexes, tab-ended, `s` service, `c` the device's correlation id, else the
 * call's; none when both are empty), right after its writes, so a
 * failure later in the call leaves no change without its event. A stale replay changes nothing
 * and adds nothing; an identical replay (same stamps, same bodies) neither. The stream of the
 * call's first event is also trimmed by age (`XTRIM MINID ~`); every XADD caps by `MAXLEN ~`.
 * Returns: how many incoming readings were stale (not applied), as a number; when some were, a
 * table `{ stale, device, index, timestamp, ... }` naming up to 10 of them (device: the position
 * of the device in this call, from 1), so the usual write pays nothing for the samples.
 *
 * The usual write costs four commands: GETRANGE of the stored head, HSET of `last_updated` alone
 * (the fingerprint of the other fields is unchanged), EXPIRE, SET of the client's record. Only
 * when the stored record holds other indexes or newer readings are both records parsed and merged.
 * Metadata applies when the stored `last_updated` is not newer; every write refreshes both TTLs.
 */
export const UPSERT_DEVICES_LUA = `
local STAMP, META, HEAD = ${TIMESTAMP_WIDTH}, ${RECORD_METADATA_END}, ${RECORD_FIXED_HEAD}
local UNPACK_MAX = 4000
local NO_STAMP = string.rep(' ', STAMP)
-- numbers passed to redis.call are formatted with snprintf each time: pass strings
local ttl = ARGV[1]
local headEnds = {}
local sub, find = string.sub, string.find
local samples = {}
local outbox, maxLen, maxAge, service, corr = ARGV[2] == '1', ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]
local aged = false
local function emit(stream, operation, id, indexes, own)
  local eid
  local corr = own ~= '' and own or corr
  if corr == '' then
    eid = redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*', 'o', operation, 'd', id, 'i', indexes, 's', service)
  else
    eid = redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*', 'o', operation, 'd', id, 'i', indexes, 's', service,
      'c', corr)
  end
  if not aged then
    aged = true
    local ms = tonumber(sub(eid, 1, find(eid, '-', 1, true) - 1))
    redis.call('XTRIM', stream, 'MINID', '~', tostring(ms - maxAge))
  end
end

-- the indexes, stamps and bodies of a record (a line starting with '[' has the newest stamp)
local function parse(s)
  local stop = find(s, '\\n', HEAD + 1, true)
  local newest = sub(s, META + 1, HEAD)
  local indexes, stamps, bodies = {}, {}, {}
  local pos = HEAD + 1
  while pos < stop do
    local tab = find(s, '\\t', pos, true)
    indexes[#indexes + 1] = sub(s, pos, tab - 1)
    pos = tab + 1
  end
  for line in string.gmatch(sub(s, stop + 1), '[^\\n]+') do
    if sub(line, 1, 1) == '[' then
      stamps[#stamps + 1], bodies[#bodies + 1] = newest, line
    else
      stamps[#stamps + 1], bodies[#bodies + 1] = sub(line, 1, STAMP), sub(line, STAMP + 1)
    end
  end
  return indexes, stamps, bodies
end

-- the stored record with the incoming readings that are not older; nil when none applies
local function merge(stored, incoming, device)
  local indexes, stamps, bodies = parse(stored)
  local inIndexes, inStamps, inBodies = parse(incoming)
  local at = {}
  for i = 1, #indexes do at[indexes[i]] = i end
  local stale, same, changed = 0, 0, {}
  for i = 1, #inIndexes do
    local j = at[inIndexes[i]]
    if not j then
      j = #indexes + 1
      indexes[j] = inIndexes[i]
    end
    if not stamps[j] or stamps[j] < inStamps[i] or (stamps[j] == inStamps[i] and bodies[j] ~= inBodies[i]) then
      stamps[j], bodies[j] = inStamps[i], inBodies[i]
      changed[#changed + 1] = inIndexes[i] .. '\t'
    elseif stamps[j] == inStamps[i] then
      same = same + 1
    else
      stale = stale + 1
      local n = #samples
      if n < 30 then
        samples[n + 1], samples[n + 2], samples[n + 3] = device, inIndexes[i], inStamps[i]
      end
    end
  end
  if #changed == 0 then return nil, stale, '' end
  -- indexes sorted, as clients write them, so the next write takes the fast path
  local order = {}
  for i = 1, #indexes do order[i] = i end
  table.sort(order, function(x, y) return indexes[x] < indexes[y] end)
  local newest = NO_STAMP
  for i = 1, #stamps do
    if stamps[i] > newest then newest = stamps[i] end
  end
  local names, lines = {}, {}
  for k, i in ipairs(order) do
    names[k] = indexes[i] .. '\\t'
    lines[k] = stamps[i] == newest and bodies[i] or stamps[i] .. bodies[i]
  end
  return sub(incoming, 1, META) .. newest .. table.concat(names) .. '\\n' .. table.concat(lines, '\\n'), stale,
    table.concat(changed)
end

local stale = 0
local a = 7
for d = 1, #KEYS, 3 do
  local metaKey, readingsKey, streamKey = KEYS[d], KEYS[d + 1], KEYS[d + 2]
  local record, oldest, metaBody, deviceId, own = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
  a = a + 5
  local stop = find(record, '\\n', HEAD + 1, true)
  local headEnd = headEnds[stop]
  if not headEnd then
    headEnd = tostring(stop - 1)
    headEnds[stop] = headEnd
  end
  local stored = redis.call('GETRANGE', readingsKey, '0', headEnd)

  -- metadata: applies when this write has some and the stored one is not newer
  local metaStamp = sub(record, 1, STAMP)
  local metaWins = false
  if metaBody ~= '' then
    if stored ~= '' then
      metaWins = sub(stored, 1, STAMP) <= metaStamp
    else
      -- no record (a new device, or a hash written by another producer): ask the hash
      local current = redis.call('HGET', metaKey, 'last_updated')
      metaWins = not current or current <= metaStamp
    end
  end
  -- metadata changes when it wins with another stamp or other fields (or nothing was stored)
  local metaChanged = metaWins and (stored == '' or sub(stored, 1, META) ~= sub(record, 1, META))
  if metaWins then
    -- unchanged fields: only last_updated moves (HSET answers 1 when the hash had gone)
    if stored == '' or sub(stored, STAMP + 1, META) ~= sub(record, STAMP + 1, META)
      or redis.call('HSET', metaKey, 'last_updated', metaStamp) == 1 then
      redis.call('DEL', metaKey)
      local fields = cjson.decode(metaBody)
      if #fields <= UNPACK_MAX then
        redis.call('HSET', metaKey, 'last_updated', metaStamp, unpack(fields))
      else
        -- never reached within INPUT_BOUNDS (64 extra keys); unpack has a hard limit (~8000)
        redis.call('HSET', metaKey, 'last_updated', metaStamp)
        for i = 1, #fields, UNPACK_MAX do
          redis.call('HSET', metaKey, unpack(fields, i, math.min(i + UNPACK_MAX - 1, #fields)))
        end
      end
    end
  elseif stored ~= '' then
    record = sub(stored, 1, META) .. sub(record, META + 1)
  end
  redis.call('EXPIRE', metaKey, ttl)

  -- readings: the usual write supersedes every stored reading and is stored as is
  local applied = ''
  if stored == '' or (sub(stored, HEAD + 1, stop) == sub(record, HEAD + 1, stop)
      and sub(stored, META + 1, HEAD) <= oldest) then
    applied = sub(record, HEAD + 1, stop - 1)
    -- the same newest stamp: identical readings (a redelivery) change nothing
    if outbox and stored ~= '' and sub(stored, META + 1, HEAD) == oldest
        and sub(redis.call('GET', readingsKey), META + 1) == sub(record, META + 1) then
      applied = ''
    end
    redis.call('SET', readingsKey, record, 'EX', ttl)
  else
    local merged, n, changed = merge(redis.call('GET', readingsKey), record, (d + 2) / 3)
    stale = stale + n
    applied = changed
    if merged then
      redis.call('SET', readingsKey, merged, 'EX', ttl)
    else
      if metaWins then redis.call('SETRANGE', readingsKey, '0', sub(record, 1, META)) end
      redis.call('EXPIRE', readingsKey, ttl)
    end
  end
  if outbox then
    if applied ~= '' then
      emit(streamKey, 'upsert', deviceId, applied, own)
    elseif metaChanged then
      emit(streamKey, 'metadata', deviceId, '', own)
    end
  end
end
if #samples == 0 then return stale end
table.insert(samples, 1, stale)
return samples
`;
