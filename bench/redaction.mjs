// Bench: redaction throughput, in MB/s, on 8 MB of host output (dmesg, journald, docker inspect with
// Env, ps args, 2 MB each, with secrets planted) and on 2 MB inputs built to make backtracking
// regular expressions quadratic. Baselines, measured in the same run on the same bytes:
//   - `text.replace(/x/g, 'x')`: one regular-expression pass that finds almost nothing (V8 runs it
//     as a plain character search): the floor for reading the text at all;
//   - `grep -c -i -E 'pass|secret|token|key|auth'` over the same bytes in a file (8 MB only): a
//     keyword search without any of the reading around each hit that redaction does.
// Goal: >= 50 MB/s on the 8 MB of host output; the pathological inputs must stay linear.
// Run after `npm run build` (imports ../dist). Usage: node bench/redaction.mjs [MB of host output]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedactor, REDACTED } from '../dist/redaction/index.js';
import { createHostNoise, syslogStamp } from './lib/host-noise.mjs';

const MB = 1 << 20;
const TOTAL_MB = Number(process.argv[2] ?? 8);
const PART = (TOTAL_MB * MB) / 4;
const RUNS = 5;
const GOAL_MBPS = 50;

const { rand, pick, hex, ids, ips, syslogNoise, kernelNoise } = createHostNoise(20240501);
const word = (n) => Array.from({ length: n }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(rand() * 62)]).join('');

/** Every secret planted, to check afterwards that none is left. */
const planted = [];
const plant = (value) => {
  planted.push(value);
  return value;
};

/** Lines until `size` characters. */
function fill(size, line) {
  const lines = [];
  let n = 0;
  for (let i = 0; n < size; i++) {
    const l = line(i);
    lines.push(l);
    n += l.length + 1;
  }
  return lines.join('\n') + '\n';
}

const dmesg = () => fill(PART, (i) => `[${(1000 + i / 50).toFixed(6)}] ${pick(kernelNoise)()}`);

const journald = () =>
  fill(PART, (i) => {
    const stamp = syslogStamp(i);
    if (i % 200 === 0) return `${stamp} web-1 app[1201]: db config host="db.internal" user="app" password="${plant(word(16))}" pool=10`;
    if (i % 200 === 100) return `${stamp} web-1 gateway[812]: upstream 401 for Authorization: Bearer ${plant(`eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOi${word(30)}.${word(43)}`)}`;
    const [prog, msg] = pick(syslogNoise)();
    return `${stamp} web-1 ${prog}: ${msg}`;
  });

function container() {
  const id = pick(ids);
  return {
    Id: id,
    Created: '2024-05-01T10:00:00.000000000Z',
    Path: '/docker-java-home/jre/bin/java',
    Args: ['-Xmx2g', `-Dspring.datasource.password=${plant(word(14))}`, '-jar', '/app.jar'],
    State: { Status: 'running', Running: true, OOMKilled: false, Pid: Math.floor(rand() * 60000), ExitCode: 0, StartedAt: '2024-05-01T10:00:01Z' },
    Image: `sha256:${hex(64)}`,
    ResolvConfPath: `/var/lib/docker/containers/${id}/resolv.conf`,
    HostConfig: { Binds: ['/srv/data:/data'], NetworkMode: 'bridge', PortBindings: { '8080/tcp': [{ HostIp: '', HostPort: '8080' }] }, Memory: 4294967296, OomKillDisable: false },
    Config: {
      Hostname: id.slice(0, 12),
      Env: [
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'JAVA_HOME=/docker-java-home/jre',
        `MESOS_TASK_ID=shop.${hex(8)}-${hex(4)}-11ee-${hex(4)}-${hex(12)}`,
        `MARATHON_APP_ID=/shop/web`,
        `DB_PASSWORD=${plant(word(18))}`,
        `AWS_ACCESS_KEY_ID=${plant(`AKIA${word(16).toUpperCase()}`)}`,
        `AWS_SECRET_ACCESS_KEY=${plant(word(40))}`,
        `DATABASE_URL=postgres://shop:${plant(word(12))}@${pick(ips)}:5432/shop`,
        `SLACK_WEBHOOK=https://hooks.slack.com/services/${plant(`T${word(8)}/B${word(10)}/${word(24)}`)}`,
        'GPG_KEY=E3FF2839C048B25C084DEBE9B26995E310250568',
        'KEY_FILE=/etc/ssl/private/web.pem',
      ],
      Cmd: null,
      Image: 'acme/shop:1.4.2',
      Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web', 'com.docker.compose.config-hash': hex(64) },
      StopSignal: 'SIGTERM',
    },
    NetworkSettings: { SandboxKey: `/var/run/docker/netns/${hex(12)}`, IPAddress: pick(ips), Gateway: '172.17.0.1', MacAddress: '02:42:ac:11:00:02' },
    Mounts: [{ Type: 'bind', Source: '/srv/data', Destination: '/data', Mode: '', RW: true, Propagation: 'rprivate' }],
  };
}

function dockerInspect() {
  const list = [];
  let n = 0;
  while (n < PART) {
    const c = container();
    list.push(c);
    n += JSON.stringify(c, null, 4).length;
  }
  return JSON.stringify(list, null, 4) + '\n';
}

const PROCESSES = [
  () => `/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock --tlsverify --tlscacert=/etc/docker/ca.pem --tlskey=/etc/docker/server-key.pem`,
  () => `containerd-shim -namespace moby -workdir /var/lib/containerd/io.containerd.runtime.v1.linux/moby/${pick(ids)} -address /run/containerd/containerd.sock`,
  () => `/docker-java-home/jre/bin/java -Djava.util.logging.config.file=/usr/local/tomcat/conf/logging.properties -Djdk.tls.ephemeralDHKeySize=2048 -Djavax.net.ssl.keyStorePassword=${plant(word(12))} org.apache.catalina.startup.Bootstrap start`,
  () => `/usr/sbin/mesos-slave --master=zk://10.0.0.1:2181/mesos --work_dir=/var/lib/mesos --credential=/etc/mesos-slave/credential`,
  () => `mysqldump -h ${pick(ips)} -uroot -p${plant(word(12))} --all-databases`,
  () => `redis-server *:6379`,
  () => `sshd: root@pts/0`,
  () => `/usr/lib/systemd/systemd-journald`,
  () => `[kworker/u${Math.floor(rand() * 64)}:${Math.floor(rand() * 9)}]`,
];
const ps = () =>
  fill(PART, (i) => `${String(1000 + i).padStart(6)} Ssl  ${String(Math.floor(rand() * 4e6)).padStart(8)} ${'futex_wait_queue_me'.padEnd(32)} ${pick(PROCESSES)()}`);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median milliseconds of `fn()` over RUNS runs, after one warm-up run. */
function time(fn) {
  fn();
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ms);
}

const mbps = (chars, ms) => chars / MB / (ms / 1000);
const baseline = (text) => () => text.replace(/x/g, 'x');

// What a worker builds: patterns plus the literal values of its own secret variables.
const redactor = createRedactor({ SICKBAY_DB_PASSWORD: 'worker-own-db-password', SLACK_BOT_TOKEN: 'xoxb-0000-worker-own-token', REDIS_PASSWORD: 'worker-redis-pw' });

const parts = { dmesg: dmesg(), journald: journald(), 'docker inspect': dockerInspect(), ps: ps() };
const host = Object.values(parts).join('');
const out = redactor.text(host);
const leaked = planted.filter((s) => out.includes(s));
const hidden = out.split(REDACTED).length - 1;

console.log(`redaction bench: ${(host.length / MB).toFixed(1)} MB of host output, median of ${RUNS} runs`);
console.log(`  planted secrets: ${planted.length}, markers written: ${hidden}, left in the output: ${leaked.length}${leaked.length ? ` (${leaked.slice(0, 3).join(', ')})` : ''}`);
const hostMs = time(() => redactor.text(host));
const hostBase = time(baseline(host));
const hostMbps = mbps(host.length, hostMs);
const dir = mkdtempSync(join(tmpdir(), 'sickbay-bench-redaction-'));
let grepMs;
try {
  const file = join(dir, 'host-output');
  writeFileSync(file, host);
  const grep = () => {
    try {
      execFileSync('grep', ['-c', '-i', '-E', 'pass|secret|token|key|auth', file], { encoding: 'utf8' });
    } catch (err) {
      if (err.status !== 1) throw err; // 1: no line matched
    }
  };
  grepMs = time(grep);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`  baseline text.replace(/x/g):  ${mbps(host.length, hostBase).toFixed(0).padStart(6)} MB/s (${hostBase.toFixed(1)} ms)`);
console.log(`  baseline grep -c -i -E:       ${mbps(host.length, grepMs).toFixed(0).padStart(6)} MB/s (${grepMs.toFixed(1)} ms, with its process start)`);
console.log(`  redactor.text(), all of it:   ${hostMbps.toFixed(0).padStart(6)} MB/s (${hostMs.toFixed(1)} ms), ${(hostMs / grepMs).toFixed(1)}x grep (goal >= ${GOAL_MBPS} MB/s) ${hostMbps >= GOAL_MBPS ? 'OK' : 'MISSED'}`);
for (const [name, text] of Object.entries(parts)) {
  console.log(`    ${name.padEnd(27)} ${mbps(text.length, time(() => redactor.text(text))).toFixed(0).padStart(6)} MB/s`);
}

const SIZE = 2 * MB;
const repeat = (unit) => unit.repeat(Math.floor(SIZE / unit.length));
const base64 = word(SIZE).replace(/[qQ]/g, '+').replace(/[zZ]/g, '/');
const PATHOLOGICAL = {
  'a.a.a.': repeat('a.'),
  'a=a=a=': repeat('a='),
  ':::': repeat(':'),
  '@@@': repeat('@'),
  '///': repeat('/'),
  'base64-like': base64,
  'key=key=': repeat('key='),
  'password=password=': repeat('password='),
  '://://': repeat('://'),
  'eyJeyJ': repeat('eyJ'),
  'mysql mysql': repeat('mysql '),
  'curlcurl': repeat('curl'),
  'token="x" ': repeat('token="x" '),
  'https://u:p@h/ ': repeat('https://u:p@h/ '),
  'BEGIN PRIVATE KEY (no END)': repeat('-----BEGIN RSA PRIVATE KEY-----'),
};
console.log(`  pathological inputs, ${SIZE / MB} MB each: redactor / text.replace(/x/g)`);
for (const [name, text] of Object.entries(PATHOLOGICAL)) {
  const r = time(() => redactor.text(text));
  const b = time(baseline(text));
  console.log(`    ${name.padEnd(27)} ${mbps(text.length, r).toFixed(0).padStart(6)} MB/s / ${mbps(text.length, b).toFixed(0).padStart(5)} MB/s`);
}
if (leaked.length) process.exitCode = 1;
