/** `@org/cache-client/value-codec`: the tenant cache's value codec (compression, encryption, replica waits) for a transport. */
export * from '../value-codec/index.js';
