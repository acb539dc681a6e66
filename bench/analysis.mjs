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
import { createHostNoise, syslogStamp } from './lib/host-noise.mjs';

const MB = Number(process.argv[2] ?? 100);
const TARGET = MB * 1024 * 1024;
const HOST = 'bench-a1-60-99';
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

// The same seed writes the same bytes on every run.
const { rand, pick, ids: IDS, syslogNoise: SYSLOG_NOISE, kernelNoise: KERNEL_NOISE } = createHostNoise(20170825);

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
  // ERE has no non-capturing group: (?: is ( there (GNU grep would read the ? as a literal and warn)
  return re.source.replace(/\\d/g, '[0-9]').replace(/\\\//g, '/').replace(/\(\?:/g, '(');
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
    import { analyze, ANALYSIS_LOG_FILTER } from ${JSON.stringify(join(dist, 'analysis/index.js'))};
    const t0 = process.hrtime.bigint();
    // as \`sickbay analyze\` reads a bundle: big logs through the analysis' line filter
    const report = analyze(await readBundle(${JSON.stringify(dir)}, { logFilter: ANALYSIS_LOG_FILTER }), { now: new Date('2018-03-12T04:00:00Z') });
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
