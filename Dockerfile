# Chorus app image. The app runs its TypeScript through tsx (a runtime dependency),
# so there is no build step: one stage installs production dependencies, the
# next copies them beside the source and drops to the unprivileged `node` user.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    CHORUS_DATA_DIR=/app/.chorus
WORKDIR /app
# Code and dependencies stay root-owned (read-only to the app); only the data
# directory of embedded mode is the app's to write.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY domain ./domain
COPY projections ./projections
COPY gateways ./gateways
COPY sync-server ./sync-server
COPY app ./app
COPY bin ./bin
RUN mkdir -p "$CHORUS_DATA_DIR" && chown node:node "$CHORUS_DATA_DIR"
USER node
EXPOSE 8080
# node is started directly (not through npm start), so SIGTERM from `docker stop`
# reaches the app. docker-compose.yml adds `init: true` so that a PID 1 without a
# SIGTERM handler still stops, and zombies are reaped.
CMD ["node", "--import", "tsx", "app/main.ts"]
