/**
 * Deletes a device's state (admin reset) and appends its `reset` event in the same script.
 * KEYS: metadata hash, readings record, the bucket's outbox stream (one slot).
 * ARGV: outbox ('1' on, '' off), stream max length, service id, correlation id ('' none), device id.
 * Returns how many of the two keys existed (the event is appended only when one did).
 */
export const RESET_DEVICE_LUA = `
local deleted = redis.call('DEL', KEYS[1], KEYS[2])
if deleted > 0 and ARGV[1] == '1' then
  if ARGV[4] == '' then
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'o', 'reset', 'd', ARGV[5], 'i', '', 's', ARGV[3])
  else
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*', 'o', 'reset', 'd', ARGV[5], 'i', '', 's', ARGV[3],
      'c', ARGV[4])
  end
end
return deleted
`;
