# Chorus app image. The app runs its TypeScript through tsx (a runtime dependency),
# so the server needs no build step; the web client does: one stage installs
# production dependencies, one builds the client (Vite, a dev dependency), and the
# last copies both beside the source and drops to the unprivileged `node` user.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds the web client, which the next stage does.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY domain ./domain
COPY web ./web
RUN npx tsx web/build.ts --force

FROM node:20-bookworm-slim AS runtime
# A container is reached through its published port, so it listens on every interface (with dev
# tokens on, Chorus logs a warning about it: publish the port on 127.0.0.1 only, as
# docker-compose.yml does, or turn dev tokens off).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    CHORUS_DATA_DIR=/app/.chorus
WORKDIR /app
# Code and dependencies stay root-owned (read-only to the app); only the data
# directory of embedded mode is the app's to write.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY domain ./domain
COPY gateways ./gateways
COPY projections ./projections
COPY application ./application
COPY http ./http
COPY sync-server ./sync-server
COPY cli ./cli
COPY app ./app
COPY bin ./bin
# The built client and the code that checks it (without web/src it serves the build as is).
COPY web/build.ts ./web/build.ts
COPY --from=web /app/web/dist ./web/dist
RUN mkdir -p "$CHORUS_DATA_DIR" && chown node:node "$CHORUS_DATA_DIR"
USER node
EXPOSE 8080
# node is started directly (not through npm start), so SIGTERM from `docker stop`
# reaches the app. docker-compose.yml adds `init: true` so that a PID 1 without a
# SIGTERM handler still stops, and zombies are reaped.
CMD ["node", "--import", "tsx", "app/main.ts"]
