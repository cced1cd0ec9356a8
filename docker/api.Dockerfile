# The REST API (apps/api, binary cache-api). Build from the repository root:
#   docker build -f docker/api.Dockerfile -t device-cache/api .
# Runs as the unprivileged "node" user, listens on API_PORT (8080), probes GET /health/live.

ARG NODE_IMAGE=node:24-slim

# ---- build: install from the lockfile, build the app and its workspace dependencies, deploy it ----
FROM ${NODE_IMAGE} AS build
# The pnpm of the root package.json "packageManager" field.
ARG PNPM_VERSION=10.34.9
ENV CI=true
RUN npm install --global --no-audit --no-fund "pnpm@${PNPM_VERSION}"
WORKDIR /repo
# Dependencies first: this layer is reused until the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
# the patches of pnpm-workspace.yaml "patchedDependencies" (kafkajs), applied by install
COPY patches ./patches
RUN pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile
# Build the app and the workspace packages it depends on at run time (not the testkit).
RUN pnpm --filter-prod "@org/cache-api..." run build
# A self-contained folder: the app, its production dependencies, the workspace packages packed as
# they would be published. pnpm 10 deploys without injected workspace packages only with --legacy.
RUN pnpm --filter @org/cache-api deploy --legacy --prod /out

# ---- runtime ----
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    API_HOST=0.0.0.0 \
    API_PORT=8080
WORKDIR /app
# Owned by root, run by "node": the process cannot modify its own code.
COPY --from=build /out /app
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.API_PORT || 8080) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/bin/cache-api.js"]
