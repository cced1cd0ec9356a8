# Sourced by ./dev and .ci/run: makes Node 24 and the pinned pnpm available (installing them from
# the npm registry when the machine has an older Node or no pnpm), then installs dependencies.
# shellcheck shell=bash

NODE_MAJOR=24
NODE_PREFIX="${NODE_PREFIX:-$HOME/.cache/device-cache/node$NODE_MAJOR}"

bootstrap_log() { printf '== %s\n' "$*" >&2; }

# A quiet toolchain: no update notices, no telemetry banners.
export npm_config_update_notifier=false NPM_CONFIG_UPDATE_NOTIFIER=false
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$NODE_PREFIX/bin/node" ]; then export PATH="$NODE_PREFIX/bin:$PATH"; fi
if [ "$(node_major)" != "$NODE_MAJOR" ]; then
  bootstrap_log "installing Node $NODE_MAJOR from the npm registry into $NODE_PREFIX"
  npm install -g --loglevel=error --prefix "$NODE_PREFIX" --allow-scripts=node "node@$NODE_MAJOR" >/dev/null 2>&1 ||
    npm install -g --loglevel=error --prefix "$NODE_PREFIX" "node@$NODE_MAJOR" >/dev/null
  export PATH="$NODE_PREFIX/bin:$PATH"
fi

PNPM_VERSION="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  bootstrap_log "installing pnpm $PNPM_VERSION into $NODE_PREFIX"
  npm install -g --loglevel=error --prefix "$NODE_PREFIX" "pnpm@$PNPM_VERSION" >/dev/null
  export PATH="$NODE_PREFIX/bin:$PATH"
fi

if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  bootstrap_log "pnpm install --frozen-lockfile"
  # Silent when it works (the bin links of apps not built yet would warn); the full output when it fails.
  pnpm install --frozen-lockfile --reporter=silent >/dev/null 2>&1 || pnpm install --frozen-lockfile
fi
