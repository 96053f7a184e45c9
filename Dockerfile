# Witness in a container: a multi-stage build on the official Node 20 image. UNTESTED: it could not be built where
# it was written (no registry access); the README says so until someone has built and run it.
# Build: docker build -t witness .   Run: docker compose up -d (compose.yaml).

# 1. Dependencies, with the toolchain better-sqlite3 needs when no prebuilt binary matches.
FROM node:20-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci

# 2. The dashboard's production build.
FROM deps AS build
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1
# tsx and esbuild are runtime dependencies (npm start runs the worker through them), so prune keeps them.
RUN npm run -s build:web && npm prune --omit=dev

# 3. The runtime: no compiler, the build and the pruned node_modules, an unprivileged user, one volume for data.
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 DATABASE_PATH=/data/witness.db PORT=3000
# Chromium for the browser probe (Debian's; npm ci never downloads a browser), and tini: npm start as PID 1 reaps no
# orphan, and a Chromium whose parent died must not stay a zombie. Without chromium the browser probe is skipped.
RUN apt-get update && apt-get install -y --no-install-recommends chromium tini fonts-liberation && rm -rf /var/lib/apt/lists/*
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# The health route answers 503 while the worker warms up; the start period covers it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD node -e "fetch('http://127.0.0.1:3000/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# exec form under tini (PID 1, or a subreaper with -s under compose's own init): it forwards docker stop's SIGTERM to
# npm start and reaps every orphan, so the worker and dashboard stop cleanly and no Chromium is left a zombie.
ENV CHROMIUM_PATH=/usr/bin/chromium
ENTRYPOINT ["/usr/bin/tini", "-s", "--"]
CMD ["npm", "start"]
