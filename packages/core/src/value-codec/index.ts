export * from './cache-policy.js';
export * from './key-ring.js';
export * from './kv-write-options.js';
export * from './stored-value.js';
