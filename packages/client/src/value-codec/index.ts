export { hasValueCodec, installValueCodec, type ValueCodecOptions } from './install-value-codec.js';
export { waitForReplica } from './replication.js';
