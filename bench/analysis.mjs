// Bench: readBundle + analyze() on a bundle whose messages and dmesg are 100 MB each, against
// `grep -E -c` with the rules' prefilter patterns over the same files, in the same run.
// Goals: analysis within 3x grep, peak RSS of the analysis process under 400 MB.
// Run after `npm run build` (imports ../dist). Usage: node bench/analysis.mjs [MB per file]
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KERNEL_EVENTS } from '../dist/analysis/parsers/kernel-log.js';
import { DOCKERD_EVENTS } from '../dist/analysis/parsers/dockerd-log.js';

const MB = Number(process.argv[2] ?? 100);
const TARGET = MB * 1024 * 1024;
const HOST = 'bench-a1-60-99';
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

// A small deterministic PRNG so that every run writes the same bytes.
let seed = 20170825;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');

const IDS = Array.from({ length: 40 }, () => hex(64));
const VETHS = Array.from({ length: 200 }, () => `veth${hex(7)}`);
const IPS = Array.from({ length: 50 }, () => `10.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`);

/** Userland syslog noise: [program, message] makers. */
const SYSLOG_NOISE = [
  () => ['systemd', `Started Session ${Math.floor(rand() * 99999)} of user root.`],
  () => ['systemd', `Starting Session ${Math.floor(rand() * 99999)} of user root.`],
  () => ['systemd-logind', `New session ${Math.floor(rand() * 99999)} of user root.`],
  () => [`sshd[${Math.floor(rand() * 60000)}]`, `Accepted publickey for root from ${pick(IPS)} port ${40000 + Math.floor(rand() * 20000)} ssh2: RSA SHA256:${hex(43)}`],
  () => [`sshd[${Math.floor(rand() * 60000)}]`, `pam_unix(sshd:session): session opened for user root by (uid=0)`],
  () => [`CROND[${Math.floor(rand() * 60000)}]`, '(root) CMD (/usr/lib64/sa/sa1 1 1)'],
  () => [`CROND[${Math.floor(rand() * 60000)}]`, '(root) CMD (/usr/local/bin/disk_report.sh >/dev/null 2>&1)'],
  () => ['NetworkManager[812]', `<info>  [${(1520000000 + rand() * 1e6).toFixed(4)}] device (${pick(VETHS)}): carrier: link connected`],
  () => ['NetworkManager[812]', `<info>  [${(1520000000 + rand() * 1e6).toFixed(4)}] manager: (${pick(VETHS)}): new Veth device (/org/freedesktop/NetworkManager/Devices/${Math.floor(rand() * 9999)})`],
  () => ['dockerd[1188]', `time="2018-03-12T03:17:45.${hex(9).replace(/[a-f]/g, '1')}+08:00" level=info msg="shim reaped" id=${pick(IDS)} module="containerd/tasks"`],
  () => ['dockerd[1188]', `time="2018-03-12T03:17:46.${hex(9).replace(/[a-f]/g, '2')}+08:00" level=info msg="ignoring event" module=libcontainerd namespace=moby topic=/tasks/delete type="*events.TaskDelete"`],
  () => ['mesos-slave[2905]', `I0312 03:17:45.965833  2952 slave.cpp:3634] Handling status update TASK_RUNNING (UUID: ${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}) for task app-${hex(6)}`],
];
/** Kernel noise: audit, usb, ethernet, bridge. */
const KERNEL_NOISE = [
  () => `audit: type=1130 audit(${(1520000000 + rand() * 1e6).toFixed(3)}:${Math.floor(rand() * 99999)}): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='unit=session-${Math.floor(rand() * 9999)}.scope comm="systemd" exe="/usr/lib/systemd/systemd" hostname=? addr=? terminal=? res=success'`,
  () => `usb ${1 + Math.floor(rand() * 3)}-1: new high-speed USB device number ${Math.floor(rand() * 20)} using ehci-pci`,
  () => `usb ${1 + Math.floor(rand() * 3)}-1: New USB device found, idVendor=0781, idProduct=5567`,
  () => 'ixgbe 0000:03:00.0 eth0: NIC Link is Up 10 Gbps, Flow Control: RX/TX',
  () => `docker0: port ${1 + Math.floor(rand() * 9)}(${pick(VETHS)}) entered forwarding state`,
  () => `docker0: port ${1 + Math.floor(rand() * 9)}(${pick(VETHS)}) entered disabled state`,
  () => `device ${pick(VETHS)} entered promiscuous mode`,
  () => `IPv6: ADDRCONF(NETDEV_CHANGE): ${pick(VETHS)}: link becomes ready`,
  () => `XFS (dm-${Math.floor(rand() * 30)}): Mounting V5 Filesystem`,
  () => `EXT4-fs (dm-${Math.floor(rand() * 30)}): mounted filesystem with ordered data mode. Opts: (null)`,
];

const INCIDENTS = [
  [
    'INFO: task jbd2/dm-20-8:198571 blocked for more than 120 seconds.',
    '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
    'jbd2/dm-20-8  D 0000000000000009     0 198571      2 0x00000080',
    'Call Trace:',
    ' [<ffffffff81529c73>] io_schedule+0x73/0xc0',
    ' [<ffffffff8112139b>] wait_on_page_writeback_range+0xfb/0x190',
    ' [<ffffffffa00c5e59>] jbd2_journal_commit_transaction+0x7e9/0x1500 [jbd2]',
    ' [<ffffffffa00cba48>] kjournald2+0xb8/0x220 [jbd2]',
  ],
  [
    'java invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0',
    `Task in /docker/${IDS[0]} killed as a result of limit of /docker/${IDS[0]}`,
    'memory: usage 4194304kB, limit 4194304kB, failcnt 25581',
    'Memory cgroup out of memory: Kill process 76756 (java) score 1001 or sacrifice child',
    'Killed process 76513 (java) total-vm:26212772kB, anon-rss:4189536kB, file-rss:0kB, shmem-rss:0kB',
  ],
  ['Buffer I/O error on device dm-6, logical block 2121102', 'EXT4-fs (dm-6): Remounting filesystem read-only'],
  ['unregister_netdevice: waiting for veth54a2de6 to become free. Usage count = 1'],
];

const MONTHS = ['Mar'];
function syslogStamp(i) {
  const s = Math.floor(i / 40);
  const hh = String(Math.floor(s / 3600) % 24).padStart(2, '0');
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${MONTHS[0]} 12 ${hh}:${mm}:${ss}`;
}

/** Writes ~TARGET bytes of noise with the incidents at fixed fractions; resolves when flushed. */
function writeLog(path, kind) {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(path);
    out.on('error', reject);
    out.on('finish', resolve);
    let written = 0;
    let i = 0;
    const marks = INCIDENTS.map((_, k) => Math.floor((TARGET * (k + 1)) / (INCIDENTS.length + 1)));
    let next = 0;
    const kernelLine = (msg, n) => (kind === 'dmesg' ? `[${(1000 + n / 50).toFixed(6)}] ${msg}` : `${syslogStamp(n)} ${HOST} kernel: ${msg}`);
    const pump = () => {
      let ok = true;
      while (ok && written < TARGET) {
        const lines = [];
        for (let k = 0; k < 2000; k++, i++) {
          if (kind === 'messages' && rand() < 0.6) {
            const [prog, msg] = pick(SYSLOG_NOISE)();
            lines.push(`${syslogStamp(i)} ${HOST} ${prog}: ${msg}`);
          } else {
            lines.push(kernelLine(pick(KERNEL_NOISE)(), i));
          }
        }
        if (next < marks.length && written >= marks[next]) {
          for (const msg of INCIDENTS[next]) lines.push(kernelLine(msg, i));
          next++;
        }
        const chunk = lines.join('\n') + '\n';
        written += chunk.length;
        ok = out.write(chunk);
      }
      if (written >= TARGET) out.end();
      else out.once('drain', pump);
    };
    pump();
  });
}

function toEre(re) {
  return re.source.replace(/\\d/g, '[0-9]').replace(/\\\//g, '/');
}

const dir = mkdtempSync(join(tmpdir(), 'sickbay-bench-'));
try {
  const meta = { host: HOST, collected_at: '2018-03-12T03:31:08Z' };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
  writeFileSync(join(dir, 'uname'), `Linux ${HOST} 3.10.0-693.11.6.el7.x86_64 #1 SMP Wed Jan 17 13:02:42 UTC 2018 x86_64 x86_64 x86_64 GNU/Linux\n`);
  writeFileSync(join(dir, 'nproc'), '16\n');
  writeFileSync(join(dir, 'uptime'), ' 11:31:08 up 28 days,  3:45,  1 user,  load average: 3.12, 4.87, 6.02\n');
  await writeLog(join(dir, 'messages'), 'messages');
  await writeLog(join(dir, 'dmesg'), 'dmesg');
  const files = [join(dir, 'dmesg'), join(dir, 'messages')];

  // Baseline: grep with the same prefilter patterns the parsers use, over the same files.
  const grepArgs = ['-E', '-c', '-e', toEre(KERNEL_EVENTS), '-e', toEre(DOCKERD_EVENTS), ...files];
  execFileSync('grep', grepArgs); // warm the page cache for both contenders
  const g0 = process.hrtime.bigint();
  const grepOut = execFileSync('grep', grepArgs, { encoding: 'utf8' });
  const grepMs = Number(process.hrtime.bigint() - g0) / 1e6;

  // Analysis in a child process, so that its peak RSS is its own.
  const child = `
    import { readBundle } from ${JSON.stringify(join(dist, 'bundles/index.js'))};
    import { analyze } from ${JSON.stringify(join(dist, 'analysis/index.js'))};
    const t0 = process.hrtime.bigint();
    const report = analyze(await readBundle(${JSON.stringify(dir)}), { now: new Date('2018-03-12T04:00:00Z') });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, codes: report.findings.map((f) => f.code) }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`analysis child failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop());
  const ratio = result.ms / grepMs;
  const rssMb = result.maxRssKb / 1024;
  console.log(`analysis bench: messages + dmesg, ${MB} MB each`);
  console.log(`  grep -E -c (same patterns): ${grepMs.toFixed(0)} ms (${grepOut.trim().split('\n').join(', ')})`);
  console.log(`  readBundle + analyze():     ${result.ms.toFixed(0)} ms, findings: ${[...new Set(result.codes)].join(', ')}`);
  console.log(`  ratio analysis/grep:        ${ratio.toFixed(2)}x (goal <= 3x) ${ratio <= 3 ? 'OK' : 'MISSED'}`);
  console.log(`  peak RSS of analysis:       ${rssMb.toFixed(0)} MB (goal < 400 MB) ${rssMb < 400 ? 'OK' : 'MISSED'}`);
} finally {
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true }); else console.log(dir);
}
