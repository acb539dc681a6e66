#!/usr/bin/env bash
# The compose smoke test: runs docker-compose.yml for real, as docs/deploy.md says, on a Docker
# daemon of its own, and tears everything down again.
#
#   1. starts its own dockerd (data root, exec root, pidfile and socket in a temp dir; no default
#      bridge, no iptables: it touches nothing another daemon on this machine uses);
#   2. gets the base images the Dockerfile and the compose file name (node:20-bookworm-slim,
#      redis:7-alpine): pulled when a registry answers, otherwise local stand-ins under the same
#      tags, made from Debian packages (debootstrap from the apt mirror this machine uses) and this
#      machine's Node.js, and it says so; the Debian root filesystems are cached in
#      $SICKBAY_SMOKE_CACHE (default /var/cache/sickbay-smoke), so later runs skip debootstrap;
#   3. makes a config directory from config/ and config/make-keys.sh, then `compose build`;
#   4. runs test/smoke/compose-flow.smoke.ts (vitest): a Slack stand-in the containers reach,
#      `compose up -d --scale worker=2`, a signed /diag to a lab host, the thread, a fix requested by
#      one user, approved by another and verified, the lab and a worker restarted, /diag answered again;
#   5. `compose down -v --rmi all`, stops the daemon, removes its temp dir.
#
# Compose: $SICKBAY_SMOKE_COMPOSE if set (e.g. "docker-compose"), else `docker compose` (v2) when
# the plugin is there, else `docker-compose` (Debian's 1.29). Needs root, dockerd, debootstrap,
# ssh-keygen and the repository's node_modules (npm ci). Exit 0 when every step passed.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${SICKBAY_SMOKE_CACHE:-/var/cache/sickbay-smoke}
STARTED=$(date +%s)
say() { printf 'smoke [%3ds]: %s\n' "$(($(date +%s) - STARTED))" "$*" >&2; }
die() { say "FAILED: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: it starts a dockerd"
for tool in dockerd debootstrap ssh-keygen node; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || die "$tool is missing (.ci/run installs docker.io, debootstrap, openssh-client)"
done
# Debian's client, of the daemon's own release, when it is there (another `docker` may come first on PATH)
DOCKER=/usr/bin/docker
[ -x "$DOCKER" ] || DOCKER=$(command -v docker) || die "no docker client"
if [ -n "${SICKBAY_SMOKE_COMPOSE:-}" ]; then
  read -r -a COMPOSE <<<"$SICKBAY_SMOKE_COMPOSE"
elif "$DOCKER" compose version >/dev/null 2>&1; then
  COMPOSE=("$DOCKER" compose)
elif command -v docker-compose >/dev/null 2>&1; then
  COMPOSE=(docker-compose)
else
  die "neither 'docker compose' nor docker-compose is installed (Debian: apt-get install docker-compose)"
fi

# A short temp dir: containerd's unix sockets live under the exec root and must fit in 108 bytes.
WORK=$(mktemp -d /tmp/sbsmoke.XXXXXX)
PROJECT=sbsmoke$$
export DOCKER_HOST=unix://$WORK/docker.sock
DOCKERD_PID=

cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    if [ -f "$WORK/smoke.env" ]; then
      say "compose down -v --rmi all"
      timeout 120 "${COMPOSE[@]}" "${COMPOSE_ARGS[@]}" --profile alerts down -v --rmi all --remove-orphans >"$WORK/down.log" 2>&1 ||
        { say "compose down failed:"; tail -n 20 "$WORK/down.log" >&2; status=1; }
    fi
    # what is left (the base images, anything a failed step made) goes with the data root below
    "$DOCKER" ps -aq | xargs -r "$DOCKER" rm -f >/dev/null 2>&1
    kill -TERM "$DOCKERD_PID"
    for _ in $(seq 100); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$DOCKERD_PID" 2>/dev/null && { say "dockerd $DOCKERD_PID did not stop: SIGKILL"; kill -KILL "$DOCKERD_PID"; }
  fi
  # its containerd and shims name the temp dir on their command line: end only those
  for pid in $(pgrep -f "$WORK" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  # mounts under the temp dir (overlays, shm, netns), deepest first
  awk -v w="$WORK" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  if [ "$status" -ne 0 ] && [ -f "$WORK/dockerd.log" ]; then say "dockerd log (tail):"; tail -n 15 "$WORK/dockerd.log" >&2; fi
  rm -rf "$WORK"
  say "torn down; $([ "$status" -eq 0 ] && echo passed || echo FAILED) in $(($(date +%s) - STARTED)) s"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. dockerd ------------------------------------------------------------------------------
say "starting dockerd in $WORK (${COMPOSE[*]}: $("${COMPOSE[@]}" version --short 2>/dev/null || "${COMPOSE[@]}" version | head -n 1))"
mkdir -p "$WORK/data" "$WORK/exec"
echo '{}' >"$WORK/daemon.json"
dockerd --data-root="$WORK/data" --exec-root="$WORK/exec" --pidfile="$WORK/dockerd.pid" -H "$DOCKER_HOST" \
  --config-file="$WORK/daemon.json" --storage-driver=overlay2 --bridge=none --iptables=false --ip-masq=false \
  >"$WORK/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for _ in $(seq 150); do "$DOCKER" version >/dev/null 2>&1 && break; kill -0 "$DOCKERD_PID" 2>/dev/null || die "dockerd exited"; sleep 0.2; done
"$DOCKER" version >/dev/null 2>&1 || die "dockerd did not answer within 30 s"

# --- 2. base images --------------------------------------------------------------------------
MIRROR=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
  awk '{print $2}' | grep -m1 -E '/debian/?$' || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}

# A Debian bookworm root filesystem as a tarball in the cache, made by debootstrap when missing.
rootfs_tar() { # name, extra packages (comma-separated)
  local tar="$CACHE/bookworm-$1.tar"
  if [ ! -s "$tar" ]; then
    say "debootstrap bookworm ($1) from $MIRROR into the cache $CACHE"
    mkdir -p "$CACHE/debs"
    local dir="$WORK/rootfs-$1"
    debootstrap --variant=minbase --cache-dir="$CACHE/debs" ${2:+--include="$2"} bookworm "$dir" "$MIRROR" >"$WORK/debootstrap-$1.log" 2>&1 ||
      { tail -n 20 "$WORK/debootstrap-$1.log" >&2; die "debootstrap failed"; }
    rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin
    tar -C "$dir" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$dir"
  fi
  echo "$tar"
}

pulled() { [ "${SICKBAY_SMOKE_PULL:-1}" = 1 ] && timeout 30 "$DOCKER" pull -q "$1" >/dev/null 2>&1; }

if pulled node:20-bookworm-slim; then
  say "pulled node:20-bookworm-slim"
else
  node_bin=$(readlink -f "$(command -v node)")
  npm_dir=$(dirname "$(readlink -f "$(command -v npm)")")/..
  say "no registry: node:20-bookworm-slim is a LOCAL STAND-IN (Debian bookworm minbase + this machine's $node_bin $(node --version) and npm $(npm --version))"
  dir="$WORK/node-rootfs"
  mkdir -p "$dir" && tar -C "$dir" -xf "$(rootfs_tar minbase)"
  install -m 0755 "$node_bin" "$dir/usr/local/bin/node"
  mkdir -p "$dir/usr/local/lib/node_modules" && cp -a "$(readlink -f "$npm_dir")" "$dir/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/local/bin/npx"
  # as in the official image: user and group `node`, uid and gid 1000
  chroot "$dir" groupadd -g 1000 node && chroot "$dir" useradd -u 1000 -g node -m -s /bin/bash node
  # the CA bundle this machine's Node.js trusts for the npm registry (a TLS-inspecting egress), so that
  # `npm ci` in the build reaches the registry as it does here
  ca_env=()
  host_ca=${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}
  if [ -n "$host_ca" ] && [ "$host_ca" != null ] && [ -f "$host_ca" ]; then
    mkdir -p "$dir/etc/ssl/certs" && cp "$host_ca" "$dir/etc/ssl/certs/smoke-host-ca.crt"
    ca_env=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/smoke-host-ca.crt')
    say "the stand-in trusts this machine's CA bundle $host_ca (NODE_EXTRA_CA_CERTS)"
  fi
  tar -C "$dir" -c . | "$DOCKER" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "${ca_env[@]}" --change 'CMD ["node"]' - node:20-bookworm-slim >/dev/null
  rm -rf "$dir"
fi

if pulled redis:7-alpine; then
  say "pulled redis:7-alpine"
else
  say "no registry: redis:7-alpine is a LOCAL STAND-IN (Debian bookworm's redis-server 7 and redis-tools)"
  dir="$WORK/redis-rootfs"
  mkdir -p "$dir" && tar -C "$dir" -xf "$(rootfs_tar redis redis-server,redis-tools)"
  # as the official image: protected mode off (Docker's network is the boundary), data in /data
  cat >"$dir/usr/local/bin/docker-entrypoint.sh" <<'EOS'
#!/bin/sh
if [ "$1" = redis-server ]; then shift; exec redis-server "$@" --protected-mode no; fi
exec "$@"
EOS
  chmod 0755 "$dir/usr/local/bin/docker-entrypoint.sh"
  mkdir -p "$dir/data"
  tar -C "$dir" -c . | "$DOCKER" import --change 'WORKDIR /data' --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    --change 'CMD ["redis-server"]' - redis:7-alpine >/dev/null
  rm -rf "$dir"
fi

# --- 3. config, build ------------------------------------------------------------------------
# A network of its own, on a /24 no route of this machine uses.
SUBNET=
for third in 213 214 215 216 217; do
  if ! ip route | grep -q "^10\.231\.$third\."; then SUBNET=10.231.$third.0/24; GATEWAY=10.231.$third.1; break; fi
done
[ -n "$SUBNET" ] || die "no free /24 in 10.231.213-217.0"
free_port() { node -e 'const s=require("net").createServer().listen(0,"0.0.0.0",()=>{console.log(s.address().port);s.close()})'; }
BOT_PORT=$(free_port)
METRICS_PORT=$(free_port)

mkdir -p "$WORK/config"
cp "$REPO"/config/inventory.yml "$REPO"/config/access.yml "$REPO"/config/remediation-policy.yml "$REPO"/config/make-keys.sh "$WORK/config/"
"$WORK/config/make-keys.sh" >/dev/null

# What a .env holds (docs/deploy.md), here pointing at the stand-in's address on the smoke network;
# the stand-in's port is picked now and handed to the flow.
STANDIN_PORT=$(free_port)
cat >"$WORK/smoke.env" <<EOF
SLACK_BOT_TOKEN=xoxb-0000-smoke-token
SLACK_SIGNING_SECRET=smoke-signing-secret-0123456789
SLACK_API_URL=http://$GATEWAY:$STANDIN_PORT/api/
SICKBAY_CONFIG_DIR=$WORK/config
SICKBAY_BOT_PORT=$BOT_PORT
SICKBAY_WORKER_METRICS_PORTS=$METRICS_PORT-$((METRICS_PORT + 1))
SMOKE_SUBNET=$SUBNET
EOF
COMPOSE_ARGS=(--env-file "$WORK/smoke.env" -p "$PROJECT" --project-directory "$REPO" -f "$REPO/docker-compose.yml" -f "$REPO/test/smoke/docker-compose.smoke.yml")

say "compose build (the sickbay image and the lab image)"
"${COMPOSE[@]}" "${COMPOSE_ARGS[@]}" build >"$WORK/build.log" 2>&1 || { tail -n 40 "$WORK/build.log" >&2; die "compose build failed"; }
"$DOCKER" image inspect sickbay:local sickbay-lab:local >/dev/null || die "compose build made no sickbay:local and sickbay-lab:local"
# the production image ships no tests, fixtures or answers; the lab image has the bundles but not their answers
if "$DOCKER" run --rm --entrypoint sh sickbay:local -c 'test -e /app/test' >/dev/null 2>&1; then die "the production image holds /app/test"; fi
"$DOCKER" run --rm --entrypoint sh sickbay-lab:local -c 'test -f /app/test/fixtures/incidents/mesos-java-oom-137/meta.json && ! find /app/test -name "expected*.json" | grep -q .' ||
  die "the lab image lacks the bundles or holds their expected answers"

# --- 4. the flow -----------------------------------------------------------------------------
say "compose up and the Slack flow (test/smoke/compose-flow.smoke.ts)"
SMOKE_COMPOSE=$(printf "%s\n" "${COMPOSE[@]}" "${COMPOSE_ARGS[@]}"); export SMOKE_COMPOSE SMOKE_DOCKER="$DOCKER"
export SMOKE_STANDIN_PORT=$STANDIN_PORT SMOKE_GATEWAY=$GATEWAY SMOKE_BOT_PORT=$BOT_PORT SMOKE_METRICS_PORT=$METRICS_PORT
(cd "$REPO" && npx vitest run --config test/smoke/vitest.config.ts) || die "the compose flow failed"
