# One image recipe for every service: docker build --build-arg SERVICE=cti-gateway|media|pbx-adapter .
# The image holds only what that service runs: its compiled JavaScript and the kernel's, and the production
# dependencies of that one workspace (no root dev tools, no testkit, no other service's dependencies).
# scripts/image-size.sh runs these steps natively and prints the size of each image's node_modules.

# Manifests only, so the installs below are cached until a package.json or the lockfile changes.
FROM node:22-bookworm-slim AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/shared/package.json packages/shared/
COPY packages/testkit/package.json packages/testkit/
COPY services/cti-gateway/package.json services/cti-gateway/
COPY services/media/package.json services/media/
COPY services/pbx-adapter/package.json services/pbx-adapter/

# Build stage: the service's workspace and the kernel with their dev dependencies (the compiler; no
# install scripts, so no mediasoup worker), then compile and gather what runs: dist/ and what the code
# reads beside it (the kernel's migrations, the web softphone's public/).
FROM manifests AS build
ARG SERVICE
RUN npm ci --ignore-scripts --workspace "services/${SERVICE}" --workspace packages/shared --include-workspace-root
COPY tsconfig.base.json ./
COPY packages/shared packages/shared
COPY services/${SERVICE} services/${SERVICE}
RUN npx tsc -b "services/${SERVICE}" && mkdir -p out \
    && cp -r --parents packages/shared/dist packages/shared/migrations "services/${SERVICE}/dist" out/ \
    && if [ -d "services/${SERVICE}/web/public" ]; then cp -r --parents "services/${SERVICE}/web/public" out/; fi \
    && find out -name '*.tsbuildinfo' -delete

# Dependencies stage: the production dependencies of the one workspace and the kernel, nothing else.
# `npm ci --omit=dev --workspace …` alone would still install the testkit's and the other services'
# packages, so prune-lock first cuts the manifests and the lockfile down to that workspace.
# mediasoup's install script downloads its prebuilt worker (or builds it, which needs python3 and a compiler).
FROM manifests AS deps
ARG SERVICE
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip make g++ ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY scripts/prune-lock.mjs ./
RUN node prune-lock.mjs "services/${SERVICE}" && rm prune-lock.mjs && npm ci --omit=dev

# Runtime stage: compiled JavaScript and production dependencies only, as the unprivileged node user.
FROM node:22-bookworm-slim
ARG SERVICE
ENV NODE_ENV=production SERVICE=${SERVICE}
WORKDIR /app
COPY --from=deps --chown=node:node /app /app
COPY --from=build --chown=node:node /app/out /app
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "exec node services/${SERVICE}/dist/index.js"]
