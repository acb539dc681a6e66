// Bench: live collection over SSH.
//  A. One host's docker-host run (15 steps of 200 ms each, one connection, up to 8 channels) against
//     the same commands run one by one over separate `ssh` invocations (OpenSSH client), same server,
//     same run. Goals: <= 1.3 x the slowest step (ideal: slowest step + one connection set-up), and at
//     least 3 x faster than the sequential baseline.
//  B. 100 and 500 lab hosts (the shipped incident bundles, recorded timings and hangs) diagnosed at a
//     concurrency of 100. Goals: 100 in < 30 s, 500 in < 90 s, peak RSS < 2 MB per host in flight.
// The lab runs in a child process so that its memory is not counted against the diagnosing process.
// Usage: node bench/ssh.mjs [hostsB...]   (default: 100 500)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDiagnoser } from '../dist/diagnosis/index.js';
import { loadInventory } from '../dist/inventory/index.js';
import { loadPlaybooks } from '../dist/playbooks/index.js';
import { createSshRunner, wrapRemoteCommand } from '../dist/ssh/index.js';
import { systemClock } from '../dist/domain/index.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const incidents = join(root, 'test/fixtures/incidents');
const playbooksDir = join(root, 'playbooks');
const work = mkdtempSync(join(tmpdir(), 'sickbay-bench-ssh-'));
const STEP_MS = 200;

async function startLabProcess(bundlesDir, hosts, durationScale) {
  const inventory = join(work, `inventory-${hosts ?? 'x'}-${Date.now()}.yml`);
  const args = [cli, 'lab', '--bundles', bundlesDir, '--write-inventory', inventory, '--duration-scale', String(durationScale)];
  if (hosts) args.push('--hosts', String(hosts));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const t0 = performance.now();
  while (!existsSync(inventory) || !/hosts up/.test(out)) {
    if (child.exitCode !== null) throw new Error(`lab exited: ${out}`);
    if (performance.now() - t0 > 120_000) throw new Error('lab did not start in 120 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    inventory,
    stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }),
  };
}

async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) { const i = next++; results[i] = await fn(items[i]); }
  }));
  return results;
}

const playbooks = await loadPlaybooks(playbooksDir);
const dockerHost = playbooks.playbooks.get('docker-host').playbook;
const diagnoser = createDiagnoser({ playbooks, connect: (t) => createSshRunner(t), clock: systemClock });

// ---------- A: one host, parallel channels vs sequential ssh invocations ----------
{
  const bundles = join(work, 'a-bundles');
  const dir = join(bundles, 'bench-200ms');
  cpSync(join(incidents, 'mesos-java-oom-137'), dir, { recursive: true });
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  for (const step of Object.values(meta.steps)) step.duration_ms = STEP_MS;
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
  const lab = await startLabProcess(bundles, undefined, 1);
  const directory = await loadInventory(lab.inventory);
  const host = directory.get('bench-200ms');
  const ssh = host.ssh;
  const sshArgs = ['-i', ssh.identityFile, '-o', `UserKnownHostsFile=${ssh.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', '-p', String(ssh.port), `${ssh.user}@${ssh.address}`];

  // one connection set-up alone (what the ideal adds to the slowest step)
  let t = performance.now();
  spawnSync('ssh', [...sshArgs, 'true'], { stdio: 'ignore' });
  const oneSsh = performance.now() - t;

  const runs = [];
  for (let i = 0; i < 3; i++) {
    t = performance.now();
    const result = await diagnoser.diagnose({ host, playbook: 'docker-host' });
    runs.push(performance.now() - t);
    if (!result.report.findings.length) throw new Error('bench A: no findings; replay broken');
  }
  const parallel = Math.min(...runs);

  t = performance.now();
  for (const step of dockerHost.steps) {
    const res = spawnSync('ssh', [...sshArgs, wrapRemoteCommand(step.command, { timeoutMs: 15_000 })], { stdio: ['ignore', 'ignore', 'ignore'] });
    if (res.error) throw res.error;
  }
  const sequential = performance.now() - t;
  await lab.stop();

  const ideal = STEP_MS + oneSsh;
  // With at most 8 channels on the one connection, 15 equal steps need two waves.
  const waves = Math.ceil(dockerHost.steps.length / 8);
  const idealCapped = waves * STEP_MS + oneSsh;
  console.log(`A. one host, ${dockerHost.steps.length} steps of ${STEP_MS} ms each`);
  console.log(`   sickbay (1 connection, <= 8 channels): ${parallel.toFixed(0)} ms (best of 3: ${runs.map((r) => r.toFixed(0)).join(', ')})`);
  console.log(`   baseline: one ssh per step, in turn:    ${sequential.toFixed(0)} ms`);
  console.log(`   ideal (slowest step + one ssh set-up):  ${ideal.toFixed(0)} ms (ssh set-up ${oneSsh.toFixed(0)} ms)`);
  console.log(`   speed-up vs baseline: ${(sequential / parallel).toFixed(1)}x (goal >= 3x) ${sequential / parallel >= 3 ? 'OK' : 'MISSED'}`);
  console.log(`   vs slowest step: ${(parallel / STEP_MS).toFixed(2)}x (goal <= 1.3x) ${parallel / STEP_MS <= 1.3 ? 'OK' : 'MISSED'}; vs ideal: ${(parallel / ideal).toFixed(2)}x`);
  console.log(`   vs ideal under the 8-channel cap (${waves} waves x ${STEP_MS} ms + set-up = ${idealCapped.toFixed(0)} ms): ${(parallel / idealCapped).toFixed(2)}x`);
}

// ---------- B: fleets of lab hosts at a concurrency of 100 ----------
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const n of sizes.length ? sizes : [100, 500]) {
  const lab = await startLabProcess(incidents, n, 1);
  const directory = await loadInventory(lab.inventory);
  const hosts = directory.list();
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
  const t = performance.now();
  let failed = 0;
  await mapLimit(hosts, 100, async (host) => {
    try { await diagnoser.diagnose({ host, playbook: 'docker-host' }); } catch (err) { failed++; if (failed <= 3) console.log(`   ${host.name}: ${err.message}`); }
  });
  const secs = (performance.now() - t) / 1000;
  clearInterval(sampler);
  await lab.stop();
  const goal = n <= 100 ? 30 : 90;
  const perHost = (peak - base) / 1024 / 1024 / Math.min(100, n);
  console.log(`B. ${n} lab hosts at concurrency 100: ${secs.toFixed(1)} s (goal < ${goal} s) ${secs < goal ? 'OK' : 'MISSED'}, ${(n / secs).toFixed(1)} hosts/s, ${failed} failed`);
  console.log(`   peak RSS ${(peak / 1048576).toFixed(0)} MB (baseline ${(base / 1048576).toFixed(0)} MB): ${perHost.toFixed(2)} MB per host in flight (goal < 2) ${perHost < 2 ? 'OK' : 'MISSED'}`);
}
rmSync(work, { recursive: true, force: true });
