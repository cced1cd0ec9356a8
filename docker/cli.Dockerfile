# The operator CLI (apps/cli, binary cache-cli). Build from the repository root:
#   docker build -f docker/cli.Dockerfile -t device-cache/cli .
#   docker run --rm -e CACHE_API_URL=http://host.docker.internal:8080 device-cache/cli list
# Runs as the unprivileged "node" user; the arguments of `docker run` are cache-cli's.

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
RUN pnpm --filter-prod "@org/cache-cli..." run build
# A self-contained folder: the app, its production dependencies, the workspace packages packed as
# they would be published. pnpm 10 deploys without injected workspace packages only with --legacy.
RUN pnpm --filter @org/cache-cli deploy --legacy --prod /out

# ---- runtime ----
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# Owned by root, run by "node": the process cannot modify its own code.
COPY --from=build /out /app
USER node
# A one-shot command, not a service: there is nothing to probe between runs.
HEALTHCHECK NONE
ENTRYPOINT ["node", "/app/dist/main.js"]
CMD ["--help"]
