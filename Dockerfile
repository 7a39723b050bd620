# One image recipe for every service: docker build --build-arg SERVICE=cti-gateway|media|pbx-adapter .
# Build stage: install with dev dependencies, compile the TypeScript project references, drop dev deps.
FROM node:22-bookworm-slim AS build
ARG SERVICE
WORKDIR /app
# mediasoup's install script downloads its prebuilt worker (or builds it, which needs python3 and a compiler).
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip make g++ ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages/shared/package.json packages/shared/
COPY packages/testkit/package.json packages/testkit/
COPY services/cti-gateway/package.json services/cti-gateway/
COPY services/media/package.json services/media/
COPY services/pbx-adapter/package.json services/pbx-adapter/
RUN npm ci --workspace "services/${SERVICE}" --workspace packages/shared --include-workspace-root
COPY packages/shared packages/shared
COPY services/${SERVICE} services/${SERVICE}
RUN npx tsc -b "services/${SERVICE}" && npm prune --omit=dev --workspace "services/${SERVICE}" --workspace packages/shared

# Runtime stage: compiled JavaScript and production dependencies only, as the unprivileged node user.
FROM node:22-bookworm-slim
ARG SERVICE
ENV NODE_ENV=production SERVICE=${SERVICE}
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["sh", "-c", "exec node services/${SERVICE}/dist/index.js"]
