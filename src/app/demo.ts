import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createDiagnoser, sshConnector } from '../diagnosis/index.js';
import { BotError, systemClock, type DiagnosisView } from '../domain/index.js';
import { loadInventory } from '../inventory/index.js';
import { startLab } from '../lab/index.js';
import { loadPlaybooks } from '../playbooks/index.js';
import { createDiagnoseProcessor, createFleetProcessor, DiagnoseQueues, startDiagnoseWorkers } from '../queue/index.js';
import { createRedactor } from '../redaction/index.js';
import { createStatusLine, createTerminalNotifier, renderTerminal } from '../report/index.js';
import { formatDuration } from '../shared/index.js';

export interface DemoOptions {
  bundlesDir: string;
  playbooksDir: string;
  redisUrl: string;
  /** Scales the lab's recorded step durations. @defaultValue 0.2 */
  durationScale?: number;
  out: (text: string) => void;
  err: (text: string) => void;
  colour: boolean;
  /** A live status line on stderr. */
  progress: boolean;
}

/**
 * The demo: lab hosts that replay the incident bundles over SSH, each diagnosed through the real
 * path (BullMQ job on Redis -> worker -> one SSH connection -> playbook -> analysis), reports in
 * the terminal. Uses the Redis at REDIS_URL, or starts a private redis-server when none answers.
 */
export async function runDemo(options: DemoOptions): Promise<{ hosts: number; failed: number }> {
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const work = await mkdtemp(join(tmpdir(), 'sickbay-demo-'));
    cleanup.push(() => rm(work, { recursive: true, force: true }));

    const lab = await startLab({ bundlesDir: options.bundlesDir, durationScale: options.durationScale ?? 0.2 });
    cleanup.push(() => lab.stop());
    const inventoryFile = join(work, 'inventory.yml');
    await lab.writeInventory(inventoryFile);
    const directory = await loadInventory(inventoryFile);
    const playbooks = await loadPlaybooks(options.playbooksDir);
    options.err(`demo: ${lab.hosts.length} lab hosts replaying incident bundles over SSH on 127.0.0.1\n`);

    const redisUrl = await reachableRedis(options.redisUrl, options.err, cleanup);
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    cleanup.push(async () => connection.disconnect());
    const prefix = `sickbay-demo-${process.pid}-${Date.now()}`;
    const queues = new DiagnoseQueues({ connection, prefix, attempts: 1 });

    const logger = pino({ level: 'warn' }, pino.destination(2));
    const total = lab.hosts.length;
    let finished = 0;
    let failed = 0;
    const running = new Map<string, string>();
    const status = createStatusLine(options.progress ? (text) => process.stderr.write(text) : undefined);
    const notifier = createTerminalNotifier({
      out: (text) => {
        status.clear();
        options.out(text);
      },
      render: (report) => renderTerminal(report, { colour: options.colour }),
      onProgress: (view: DiagnosisView) => {
        running.set(view.host, `${view.stepsDone}/${view.stepsTotal}`);
        status.draw(`${finished}/${total} hosts done · running: ${[...running].map(([h, s]) => `${h} ${s}`).join(', ')}`);
      },
      onFinished: (view) => {
        running.delete(view.host);
        finished++;
        if (view.phase === 'failed') failed++;
      },
    });
    // lab hosts have identity files: no agent is needed
    const diagnoser = createDiagnoser({ playbooks, connect: sshConnector({}), clock: systemClock });
    const redactor = createRedactor();
    const workers = startDiagnoseWorkers(
      { connection, prefix, zone: 'lab', concurrency: 8, name: 'sickbay-demo' },
      {
        diagnose: createDiagnoseProcessor({ diagnoser, directory, notifier, redactor, logger, progressIntervalMs: 250 }),
        fleet: createFleetProcessor({ notifier, redactor, logger }),
      },
    );
    cleanup.push(async () => {
      await workers.close();
      for (const queue of [queues.queue('diagnose-lab')]) await queue.obliterate({ force: true }).catch(() => undefined);
      await queues.close();
    });

    const started = performance.now();
    const done = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (finished >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
    });
    // each host with the playbook its bundle was collected with: a container's with its container
    const collectedWith = new Map(lab.hosts.map((h) => [h.name, h]));
    for (const host of directory.list()) {
      const replayed = collectedWith.get(host.name);
      await queues.request({ host, playbook: replayed?.playbook ?? 'docker-host', ...(replayed?.params ? { params: replayed.params } : {}), requestedBy: 'demo', channel: 'terminal' });
    }
    await done;
    status.clear();
    options.err(
      `demo: ${total} hosts diagnosed through the queue and SSH in ${formatDuration(performance.now() - started)}` +
        `${failed ? `, ${failed} failed` : ''}\n`,
    );
    return { hosts: total, failed };
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  }
}

/** The Redis at `url`, or a private redis-server on a free port when none answers there. */
async function reachableRedis(url: string, err: (text: string) => void, cleanup: Array<() => Promise<unknown>>): Promise<string> {
  if (await answersPing(url)) return url;
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve());
    });
  } catch {
    throw new BotError(
      'demo_redis_unavailable',
      `no Redis answers at ${url} and redis-server is not installed: install Redis (apt-get install redis-server) or set REDIS_URL`,
    );
  }
  cleanup.push(async () => {
    child.kill('SIGTERM');
  });
  const own = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50 && !(await answersPing(own)); i++) await new Promise((r) => setTimeout(r, 100));
  err(`demo: no Redis at ${url}; started a private redis-server on 127.0.0.1:${port}\n`);
  return own;
}

async function answersPing(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
