import {
  DEVICE_INDEX_INFO_LUA,
  SCAN_DEVICE_INDEX_BY_EXPIRY_LUA,
  SCAN_DEVICE_INDEX_LUA,
  TOUCH_DEVICE_INDEX_LUA,
} from './device-index.js';
import { KV_DELETE_LUA, KV_GET_LUA, KV_SET_LUA } from './kv.js';
import { RESET_DEVICE_LUA } from './reset-device.js';
import { UPSERT_DEVICES_LUA } from './upsert-devices.js';

/** Every Lua script of the cache, by the command name a Redis client may register it under. */
export const LUA_SCRIPTS = {
  cacheUpsertDevices: UPSERT_DEVICES_LUA,
  cacheTouchDeviceIndex: TOUCH_DEVICE_INDEX_LUA,
  cacheScanDeviceIndex: SCAN_DEVICE_INDEX_LUA,
  cacheScanDeviceIndexByExpiry: SCAN_DEVICE_INDEX_BY_EXPIRY_LUA,
  cacheDeviceIndexInfo: DEVICE_INDEX_INFO_LUA,
  cacheKvSet: KV_SET_LUA,
  cacheKvGet: KV_GET_LUA,
  cacheKvDelete: KV_DELETE_LUA,
  cacheResetDevice: RESET_DEVICE_LUA,
} as const;

export type LuaScriptName = keyof typeof LUA_SCRIPTS;
