import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/program.js';
import { LAB_BUNDLE_ENV, prepareReplay, startLab, writeShims, type Lab } from '../../../src/lab/index.js';
import { captureIo } from '../../helpers/capture-io.js';
import { incidentBundles, INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { startSshd, type SshdHandle } from '../../helpers/sshd.js';
import { HOSTILE_INPUTS } from '../../helpers/hostile-inputs.js';
import { writeQuickPlaybooks } from '../../helpers/lab-workspace.js';

interface JsonReport {
  host: string;
  findings: { code: string }[];
  root_cause: { code: string } | null;
  error?: { code: string; message: string };
}

const expectedOf = (name: string) => {
  const found = incidentBundles().find((b) => b.name === name);
  if (!found) throw new Error(`no fixture ${name}`);
  return found.expected;
};

function expectMatches(report: JsonReport, bundle: string): void {
  const codes = new Set(report.findings.map((f) => f.code));
  const { must, must_not } = expectedOf(bundle);
  expect(must.filter((c) => !codes.has(c))).toEqual([]);
  expect(must_not.filter((c) => codes.has(c))).toEqual([]);
}

describe('sickbay diag against a real OpenSSH sshd', () => {
  let work: string;
  let sshd: SshdHandle;
  let knownHosts: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sickbay-diag-sshd-'));
    const shimDir = await writeShims(join(work, 'shims'));
    const replay = await prepareReplay(join(INCIDENTS_DIR, 'mesos-java-oom-137'), join(work, 'replay'), { durationScale: 0 });
    sshd = await startSshd({ shimDir, env: { [LAB_BUNDLE_ENV]: replay } });
    knownHosts = join(work, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.hostKeyLine}\n`);
  });

  afterAll(async () => {
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('runs the docker-host playbook over one connection and reports the scenario’s findings', async () => {
    const io = captureIo();
    const target = `${sshd.user}@127.0.0.1:${sshd.port}`;
    const code = await runCli(
      ['diag', target, '--identity', sshd.clientKeyPath, '--known-hosts', knownHosts, '--json', '--keep-bundles', join(work, 'bundles')],
      io,
    );
    expect(io.stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(io.stdout) as JsonReport;
    expectMatches(report, 'mesos-java-oom-137');
    expect(report.root_cause?.code).toBe('JVM_HEAP_UNBOUNDED');
  });

  it('refuses a host whose key is not in known_hosts, saying how to trust it', async () => {
    const empty = join(work, 'empty_known_hosts');
    writeFileSync(empty, '');
    const io = captureIo();
    const code = await runCli(['diag', `${sshd.user}@127.0.0.1:${sshd.port}`, '--identity', sshd.clientKeyPath, '--known-hosts', empty], io);
    expect(code).toBe(1);
    expect(io.stderr).toMatch(/unknown/i);
    expect(io.stderr).toMatch(/ssh-keyscan/);
  });
});

describe('sickbay diag against the lab', () => {
  let work: string;
  let lab: Lab;
  let inventory: string;
  let playbooks: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sickbay-diag-lab-'));
    lab = await startLab({ bundlesDir: INCIDENTS_DIR, names: ['docker-06-containerd-eof', 'redis-dm-pool-full'], durationScale: 0 });
    inventory = join(work, 'inventory.yml');
    await lab.writeInventory(inventory);
    // The shipped playbooks with 2 s deadlines, so that the hung daemon costs the suite 2 s, not 15.
    playbooks = await writeQuickPlaybooks(join(work, 'playbooks'));
  });

  afterAll(async () => {
    await lab?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('diagnoses several inventory hosts at once and prints an array of reports', async () => {
    const io = captureIo();
    const code = await runCli(['diag', 'tag:lab', '--inventory', inventory, '--json', '--playbooks', playbooks], io);
    expect(code).toBe(0);
    const reports = JSON.parse(io.stdout) as JsonReport[];
    expect(reports.map((r) => r.host).sort()).toEqual(['docker-06-containerd-eof', 'redis-dm-pool-full']);
    for (const report of reports) expectMatches(report, report.host);
  });

  it('turns a hung docker daemon into timed-out steps and a finding, not a hung command', async () => {
    const io = captureIo();
    expect(await runCli(['diag', 'docker-06-containerd-eof', '--inventory', inventory, '--json', '--playbooks', playbooks], io)).toBe(0);
    const report = JSON.parse(io.stdout) as JsonReport & { gaps?: { spec: string; reason: string }[] };
    expect(report.findings.map((f) => f.code)).toContain('DOCKERD_UNRESPONSIVE');
    expect(report.gaps).toEqual(expect.arrayContaining([{ spec: 'docker_info', reason: 'timed out' }]));
  });

  it('refuses an unknown host with the nearest inventory names, before any connection', async () => {
    const io = captureIo();
    expect(await runCli(['diag', 'redis-dm-pool-ful', '--inventory', inventory], io)).toBe(2);
    expect(io.stderr).toContain('redis-dm-pool-full');
  });

  it('refuses every hostile target with exit 2 and a one-line reason', async () => {
    for (const [label, value] of HOSTILE_INPUTS) {
      const io = captureIo();
      // `--` so that "--help" and "-o..." reach target checking, as they would from a script
      const code = await runCli(['diag', '--inventory', inventory, '--', value], io);
      expect(code, label).toBe(2);
      expect(io.stderr.trim().split('\n'), label).toHaveLength(1);
      expect(io.stdout, label).toBe('');
    }
  });
});
