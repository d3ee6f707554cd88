# syntax=docker/dockerfile:1
# The CDS service's image (docs/deployment.md "Container image"):
#   docker build -t ctd-neuropathy-cds:0.1.0 .
#   docker build --build-arg INCLUDE_DEMO=true -t ctd-neuropathy-cds:0.1.0-demo .   # with the demo FHIR data
# Stages: `build` compiles TypeScript with every dependency; `deps` installs the runtime dependencies only;
# `runtime` gets the compiled code, the knowledge files and those dependencies, and nothing else (no sources, no
# tests, no dev dependencies, no compiler), and runs as a non-root user.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here; the build is its own step below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The build also copies the SMART app's fhirclient browser build into dist/vendor/ (scripts/vendor-assets.js).
COPY scripts ./scripts
RUN npm run build
# Demo patients (the /fhir demo server) only when asked: a production image has no synthetic patients to serve.
ARG INCLUDE_DEMO=false
COPY demo ./demo
RUN mkdir -p /app/optional \
  && if [ "$INCLUDE_DEMO" = "true" ]; then cp -r demo /app/optional/demo; fi

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    WORKER_HEAP_MB=256 \
    NODE_OPTIONS="--max-old-space-size=256 --enable-source-maps" \
    FEEDBACK_DIR=/var/lib/ctd-neuropathy-cds/feedback
WORKDIR /app
# Owned by root and read-only to the service: it cannot change its own code or knowledge.
# package.json says "type": "module", which the compiled code needs.
COPY package.json LICENSE ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The knowledge (hooks, mappings, cards) and the feedback store's SQL migrations.
COPY hooks ./hooks
COPY cards ./cards
COPY mappings ./mappings
COPY db ./db
# The SMART app's pages and browser modules (served under /smart/).
COPY smart-app ./smart-app
COPY --from=build /app/optional/ ./
# The embedded feedback store's folder (used only without DATABASE_URL): the one place the service writes.
RUN mkdir -p /var/lib/ctd-neuropathy-cds/feedback && chown -R 1000:1000 /var/lib/ctd-neuropathy-cds
# The base image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000
# Healthy = ready to answer (knowledge loaded, workers warm). No curl in the image: node's own fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself (graceful shutdown), no shell or npm in between.
CMD ["node", "dist/server.js"]
