/** The signer lives in core (`cache-cli hub` signs with it too); re-exported for the hub's callers and tests. */
export { type ControlEventType, type SignedControlMessage, signControlMessage } from '@org/cache-core';
