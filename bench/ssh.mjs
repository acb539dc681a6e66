// Bench: live collection over SSH.
//  A. One host, the docker-host playbook (every step replayed at 200 ms) over a REAL OpenSSH sshd
//     whose login shell costs 0.3 s (a ~/.bashrc that sleeps), as many real hosts' do. Compared in the
//     same run, medians of 3: sickbay's shell session (one login shell, a driver running every step),
//     sickbay with a channel per step (the fallback), and `ansible-playbook` running the same
//     commands as raw tasks (Debian's ansible-core; its default ControlPersist connection reuse).
//     Goals: >= 6x faster than ansible; within handshake + one shell start + slowest step + 150 ms;
//     one shell start per diagnosis (counted by the .bashrc).
//  B. 100 and 500 lab hosts (the shipped incident bundles, recorded timings and hangs) diagnosed at a
//     concurrency of 100. Goals: 100 in < 30 s, 500 in < 90 s, peak RSS < 2 MB per host in flight.
//     The lab answers the shell sessions itself (each step line runs once per bundle through the
//     shims, then replays with its recorded wait and no process): on 2 cores, 100 hosts' driver and
//     step processes at once measure the lab machine, not the diagnosing side, and a real fleet has a
//     CPU per host. For comparison, 100 hosts once more with the lab running every step as processes.
// The lab runs in a child process so that its memory is not counted against the diagnosing process.
// Usage: node bench/ssh.mjs [a] [hostsB...]   (default: A, then B with 100 and 500; `a` alone: only A; numbers alone: only B)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDiagnoser } from '../dist/diagnosis/index.js';
import { mapLimit } from '../dist/shared/index.js';
import { loadInventory } from '../dist/inventory/index.js';
import { LAB_BUNDLE_ENV, prepareReplay, replayPath, startSshd, writeShims } from '../dist/lab/index.js';
import { loadPlaybooks, renderTemplate } from '../dist/playbooks/index.js';
import { createSshRunner, wrapRemoteCommand } from '../dist/ssh/index.js';
import { systemClock } from '../dist/domain/index.js';
import { startLabProcess as startLab } from './lib/lab.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const cli = join(root, 'dist/cli/main.js');
const incidents = join(root, 'test/fixtures/incidents');
const playbooksDir = join(root, 'playbooks');
const work = mkdtempSync(join(tmpdir(), 'sickbay-bench-ssh-'));
const STEP_MS = 200;

const playbooks = await loadPlaybooks(playbooksDir);
const dockerHost = playbooks.playbooks.get('docker-host').playbook;
const diagnoser = createDiagnoser({ playbooks, connect: (t) => createSshRunner(t, process.env.BENCH_CHANNELS ? { shellSession: false } : {}), clock: systemClock });

// ---------- A: one host over a real sshd with a slow login shell ----------
const args = process.argv.slice(2);
const sizes = args.map(Number).filter((n) => n > 0);
const runA = args.includes('a') || sizes.length === 0;
const runB = !args.includes('a') || sizes.length > 0;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs) => xs.map((x) => x.toFixed(0)).join(', ');
if (runA) {
  const bundle = join(work, 'bench-200ms');
  cpSync(join(incidents, 'mesos-java-oom-137'), bundle, { recursive: true });
  const meta = JSON.parse(readFileSync(join(bundle, 'meta.json'), 'utf8'));
  for (const spec of dockerHost.steps.map((s) => s.spec)) meta.steps[spec] = { ...meta.steps[spec], exit: meta.steps[spec]?.exit ?? 0, duration_ms: STEP_MS };
  // the recording predates the thread listing: a host with nothing in D prints ps's header alone (this machine's
  // own), without which the step's awk exits 1 as on a ps without -L
  if (!existsSync(join(bundle, 'blocked_threads'))) {
    const header = spawnSync('ps', ['-eLo', 'pid,lwp,stat,wchan:32,comm'], { encoding: 'utf8' }).stdout.split('\n')[0];
    writeFileSync(join(bundle, 'blocked_threads'), `${header}\n`);
  }
  writeFileSync(join(bundle, 'meta.json'), JSON.stringify(meta));
  const shims = await writeShims(join(work, 'shims'));
  const replay = await prepareReplay(bundle, join(work, 'replay'), { durationScale: 1 });
  const bashrc = 'sleep 0.3\necho start >> "$HOME/shell-starts"\n';
  const sshd = await startSshd({ shimDir: shims, env: { [LAB_BUNDLE_ENV]: replay }, bashrc });
  const knownHosts = join(work, 'known_hosts');
  writeFileSync(knownHosts, `${sshd.hostKeyLine}\n`);
  const ssh = { name: 'bench-host', address: '127.0.0.1', port: sshd.port, user: 'root', identityFile: sshd.clientKeyPath, knownHostsFile: knownHosts };
  const host = { name: 'bench-host', tags: [], zone: 'bench', ssh };
  const starts = () => (existsSync(join(sshd.dir, 'shell-starts')) ? readFileSync(join(sshd.dir, 'shell-starts'), 'utf8').trim().split('\n').length : 0);

  // the parts of the bound: a handshake (TCP, key exchange, auth), and one shell start on it
  const handshakes = [];
  const shellStarts = [];
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    const runner = await createSshRunner(ssh, { shellSession: false });
    handshakes.push(performance.now() - t);
    t = performance.now();
    await runner.run('true', { timeoutMs: 10_000, maxBytes: 1024 });
    shellStarts.push(performance.now() - t);
    await runner.close();
  }
  const handshake = median(handshakes);
  const shellStart = median(shellStarts);

  // the slowest step, each run alone through a session (docker_log_sizes asks docker info for the
  // data root before du, so it replays two recorded waits, not one)
  // commands as a diagnosis runs them: placeholders and snippets (the data-root lookup) rendered
  const rendered = dockerHost.steps.map((st) => ({ id: st.id, command: renderTemplate(st.command, {}) }));
  const alone = await createSshRunner(ssh);
  const stepTimes = [];
  for (const step of rendered) {
    const t = performance.now();
    const res = await alone.run(step.command, { timeoutMs: 15_000, maxBytes: 8 << 20 });
    if (res.exit !== 0) throw new Error(`bench A: step ${step.id} alone exited ${res.exit}: ${res.stderr}`);
    stepTimes.push({ id: step.id, ms: performance.now() - t });
  }
  await alone.close();
  const slowest = stepTimes.reduce((a, b) => (b.ms > a.ms ? b : a));
  // the host's own floor: every step at once under a plain sh on this machine, no SSH at all
  // (on 2 cores, all the replays at once cost more than the slowest one alone)
  const floorScript = join(work, 'floor.sh');
  writeFileSync(floorScript, `${rendered.map((st) => `(${wrapRemoteCommand(st.command, { timeoutMs: 15_000 })}) >/dev/null 2>&1 &`).join('\n')}\nwait\n`);
  const floors = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    spawnSync('sh', [floorScript], { env: { PATH: replayPath(shims), [LAB_BUNDLE_ENV]: replay, HOME: work } });
    floors.push(performance.now() - t);
  }
  const hostFloor = median(floors);

  const timeDiagnoses = async (connect) => {
    const diagnose = createDiagnoser({ playbooks, connect, clock: systemClock });
    const times = [];
    const startsPer = [];
    for (let i = 0; i < 3; i++) {
      const before = starts();
      const t = performance.now();
      const result = await diagnose.diagnose({ host, playbook: 'docker-host' });
      times.push(performance.now() - t);
      startsPer.push(starts() - before);
      if (!result.report.findings.length) throw new Error('bench A: no findings; replay broken');
    }
    return { times, startsPer };
  };
  const session = await timeDiagnoses((t) => createSshRunner(t));
  const channels = await timeDiagnoses((t) => createSshRunner(t, { shellSession: false }));

  // ansible-playbook: the same commands as raw tasks on the same sshd
  let ansible;
  const hasAnsible = spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;
  if (hasAnsible) {
    const dir = join(work, 'ansible');
    mkdirSync(join(dir, 'cp'), { recursive: true });
    writeFileSync(join(dir, 'hosts.ini'), `[bench]\nbench-host ansible_host=127.0.0.1 ansible_port=${sshd.port} ansible_user=root ansible_ssh_private_key_file=${sshd.clientKeyPath} ansible_ssh_common_args='-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes'\n`);
    const tasks = dockerHost.steps.map((s) => `    - name: ${s.id}\n      raw: !unsafe ${JSON.stringify(s.command)}\n      ignore_errors: true`).join('\n');
    writeFileSync(join(dir, 'play.yml'), `- hosts: bench\n  gather_facts: false\n  tasks:\n${tasks}\n`);
    const env = { ...process.env, ANSIBLE_HOME: dir, ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'), ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'), ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: '0' };
    const times = [];
    const startsPer = [];
    for (let i = 0; i < 3; i++) {
      const before = starts();
      const t = performance.now();
      const res = spawnSync('ansible-playbook', ['-i', join(dir, 'hosts.ini'), join(dir, 'play.yml')], { env, encoding: 'utf8' });
      times.push(performance.now() - t);
      startsPer.push(starts() - before);
      if (res.status !== 0 || !new RegExp(`ok=${dockerHost.steps.length}\\b`).test(res.stdout)) throw new Error(`ansible-playbook failed: ${res.stdout}\n${res.stderr}`);
    }
    // end ansible's ControlPersist master, which would otherwise outlive the bench
    spawnSync('pkill', ['-f', join(dir, 'cp')]);
    ansible = { times, startsPer };
  }
  await sshd.stop();

  const bound = handshake + shellStart + slowest.ms + 150;
  const ours = median(session.times);
  console.log(`A. one host, ${dockerHost.steps.length} steps of ${STEP_MS} ms each, real OpenSSH sshd, login shell sleeps 0.3 s`);
  console.log(`   handshake ${handshake.toFixed(0)} ms, one shell start ${shellStart.toFixed(0)} ms (medians of 3); slowest step alone: ${slowest.id} ${slowest.ms.toFixed(0)} ms`);
  console.log(`   sickbay, one shell session:   median ${ours.toFixed(0)} ms (${fmt(session.times)}), shell starts per diagnosis: ${session.startsPer.join(', ')} (goal 1)`);
  console.log(`   sickbay, a channel per step:  median ${median(channels.times).toFixed(0)} ms (${fmt(channels.times)}), shell starts per diagnosis: ${channels.startsPer.join(', ')}`);
  if (ansible) {
    const theirs = median(ansible.times);
    console.log(`   baseline ansible-playbook, raw tasks: median ${theirs.toFixed(0)} ms (${fmt(ansible.times)}), shell starts per run: ${ansible.startsPer.join(', ')}`);
    console.log(`   speed-up vs ansible: ${(theirs / ours).toFixed(1)}x (goal >= 6x) ${theirs / ours >= 6 ? 'OK' : 'MISSED'}`);
  } else {
    console.log('   baseline ansible-playbook: not installed (apt-get install ansible-core), no ratio');
  }
  console.log(`   bound: handshake + shell start + slowest step + 150 ms = ${bound.toFixed(0)} ms; sickbay at ${(ours / bound).toFixed(2)}x of it ${ours <= bound ? 'OK' : 'MISSED'}`);
  const floorBound = handshake + shellStart + hostFloor + 150;
  console.log(`   host floor (the ${dockerHost.steps.length} steps at once under a plain sh here, no SSH): ${hostFloor.toFixed(0)} ms; handshake + shell start + floor + 150 ms = ${floorBound.toFixed(0)} ms; sickbay at ${(ours / floorBound).toFixed(2)}x of it`);
  console.log(`   session vs a channel per step: ${(median(channels.times) / ours).toFixed(1)}x faster`);
}

// ---------- B: fleets of lab hosts at a concurrency of 100 ----------
const fleets = (sizes.length ? sizes : [100, 500]).map((n) => ({ n, sessionsInProcess: true }));
if (!sizes.length) fleets.push({ n: 100, sessionsInProcess: false });
for (const { n, sessionsInProcess } of runB ? fleets : []) {
  const lab = await startLab({ cli, work, bundlesDir: incidents, hosts: n, durationScale: 1, sessionsInProcess });
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
  const labKind = sessionsInProcess ? 'lab answering sessions in process' : 'lab running every step as processes on this machine';
  console.log(`B. ${n} lab hosts at concurrency 100 (${labKind}): ${secs.toFixed(1)} s (goal < ${goal} s) ${secs < goal ? 'OK' : 'MISSED'}, ${(n / secs).toFixed(1)} hosts/s, ${failed} failed`);
  console.log(`   peak RSS ${(peak / 1048576).toFixed(0)} MB (baseline ${(base / 1048576).toFixed(0)} MB): ${perHost.toFixed(2)} MB per host in flight (goal < 2) ${perHost < 2 ? 'OK' : 'MISSED'}`);
}
rmSync(work, { recursive: true, force: true });
