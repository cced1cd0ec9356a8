import { existsSync } from 'node:fs';

/** True when a Docker engine is likely to answer (socket present or DOCKER_HOST set). */
export function dockerEngineAvailable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}
