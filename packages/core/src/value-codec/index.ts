export * from './applied-options.js';
export * from './cache-policy.js';
export * from './codec-registry.js';
export * from './key-ring.js';
export * from './kv-context.js';
export * from './kv-write-options.js';
export * from './read-outcome.js';
export * from './stored-value.js';
