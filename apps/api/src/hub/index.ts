export { type SignedControlMessage, signControlMessage } from './control-signer.js';
export type { HubLogger } from './hub-logger.js';
export { type HubRunner, runHub } from './hub-runner.js';
export {
  checkHubEnv,
  HUB_ENV_SHAPE,
  HubEnv,
  type HubSettings,
  hubSettingsOf,
  parseControlPublicKey,
} from './hub-settings.js';
export { HubRuntimeConfig } from './runtime-config.js';
export { CONTROL_QUEUE, type Hub, hubSubjects, type StartHubOptions, startHub } from './start-hub.js';
