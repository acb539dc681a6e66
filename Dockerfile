# syntax=docker/dockerfile:1
# Small production image: build with dev dependencies, ship only dist/ and production node_modules,
# run as the unprivileged `node` user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node bin ./bin
# The shipped playbooks (SICKBAY_PLAYBOOKS_DIR defaults to them) and the incident bundles the lab
# replays (`sickbay lab`, `--replay-bundles`).
COPY --chown=node:node playbooks ./playbooks
COPY --chown=node:node test/fixtures/incidents ./test/fixtures/incidents
# Mount points of the compose volumes, owned by node so that a new named volume is writable.
RUN mkdir -p /lab /bundles && chown node:node /lab /bundles
USER node
EXPOSE 3000
ENTRYPOINT ["node", "bin/sickbay"]
CMD ["bot"]
