# Three stages, one file:
#   build       dev dependencies, TypeScript compiled, then pruned to production dependencies
#   production  the image of bot, worker and intake: dist/, production node_modules, playbooks; no tests
#   lab         production plus the incident bundles that `sickbay lab` replays (demo and smoke test only)
# No `# syntax=` line: BuildKit would fetch a frontend image for it, which fails without a registry.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS production
ENV NODE_ENV=production \
    SICKBAY_AUDIT_FILE=/var/lib/sickbay/audit/sickbay-audit.jsonl \
    SICKBAY_BUNDLES_DIR=/var/lib/sickbay/bundles
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# The shipped playbooks (SICKBAY_PLAYBOOKS_DIR defaults to them).
COPY playbooks ./playbooks
# State lives on volumes mounted here; a new named volume takes this ownership, so the `node` user
# (uid 1000) can write the audit file and the bundles. The code itself stays root-owned, read-only to it.
RUN mkdir -p /var/lib/sickbay/audit /var/lib/sickbay/bundles && chown -R node:node /var/lib/sickbay
VOLUME ["/var/lib/sickbay/audit", "/var/lib/sickbay/bundles"]
USER node
EXPOSE 3000 3100 9464
ENTRYPOINT ["node", "bin/sickbay"]
CMD ["bot"]

FROM production AS lab
# The incident bundles the lab replays (DEMO_BUNDLES_DIR), without their expected answers (.dockerignore).
COPY test/fixtures/incidents ./test/fixtures/incidents
EXPOSE 2201-2230
ENTRYPOINT ["node", "bin/sickbay", "lab"]
CMD ["--listen", "0.0.0.0"]
