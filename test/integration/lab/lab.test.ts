import { randomInt } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runLab } from '../../../src/cli/commands/lab.js';
import { PLAYBOOKS_DIR } from '../../../src/config/index.js';
import type { SshTarget } from '../../../src/domain/index.js';
import { LabError, parseAuthorizedKeys, startLab, type Lab } from '../../../src/lab/index.js';
import { hangingShims } from '../../helpers/processes.js';
import { loadPlaybooks, renderTemplate } from '../../../src/playbooks/index.js';
import { createSshRunner, type SshRunner } from '../../../src/ssh/index.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';

const RUN = { timeoutMs: 10_000, maxBytes: 4 << 20 };
const HUNG = 'docker-06-containerd-eof';
const FAILING = 'centos-dm-loop-pool-full';
/** A bundle of the container playbook: a task that exited on a full disk. */
const TASK = 'debian12-docker20-task-disk-full-exit-1';

interface Inventory {
  defaults: { user: string; identity_file?: string; known_hosts: string };
  hosts: Record<string, { address: string; port: number; tags: string[]; zone: string }>;
}

function fixture(bundle: string, spec: string): string {
  return readFileSync(join(INCIDENTS_DIR, bundle, spec), 'utf8');
}

function recordedExit(bundle: string, spec: string): number {
  const meta = JSON.parse(fixture(bundle, 'meta.json')) as { steps: Record<string, { exit: number }> };
  return meta.steps[spec]?.exit as number;
}

describe('the lab', () => {
  let lab: Lab;
  let work: string;
  let inventory: Inventory;
  const runners = new Map<string, SshRunner>();

  const targetFor = (name: string): SshTarget => {
    const host = inventory.hosts[name];
    if (!host) throw new Error(`no ${name} in the inventory`);
    return {
      name,
      address: host.address,
      port: host.port,
      user: inventory.defaults.user,
      identityFile: join(work, inventory.defaults.identity_file ?? "lab_client_key"),
      knownHostsFile: join(work, inventory.defaults.known_hosts),
    };
  };

  const runnerFor = async (name: string): Promise<SshRunner> => {
    const existing = runners.get(name);
    if (existing) return existing;
    const runner = await createSshRunner(targetFor(name));
    runners.set(name, runner);
    return runner;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sickbay-lab-test-'));
    lab = await startLab({ bundlesDir: INCIDENTS_DIR, names: [HUNG, FAILING, 'mesos-java-oom-137', TASK], durationScale: 0 });
    await lab.writeInventory(join(work, 'inventory.yaml'));
    inventory = parse(readFileSync(join(work, 'inventory.yaml'), 'utf8')) as Inventory;
  });

  afterAll(async () => {
    await Promise.all([...runners.values()].map((r) => r.close()));
    await lab?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('writes an inventory with one host per bundle, its known_hosts and a private client key', () => {
    expect(inventory.defaults).toEqual({ user: 'root', identity_file: 'lab_client_key', known_hosts: 'known_hosts' });
    expect(Object.keys(inventory.hosts).sort()).toEqual([FAILING, HUNG, TASK, 'mesos-java-oom-137'].sort());
    expect(inventory.hosts['mesos-java-oom-137']).toMatchObject({ address: '127.0.0.1', tags: ['lab', 'mesos'], zone: 'lab' });
    for (const host of lab.hosts) {
      expect(readFileSync(join(work, 'known_hosts'), 'utf8')).toContain(`[127.0.0.1]:${host.port} ssh-ed25519 `);
    }
    expect(statSync(join(work, 'lab_client_key')).mode & 0o777).toBe(0o600);
  });

  it("replays a bundle's outputs for the canonical commands over SSH", async () => {
    const runner = await runnerFor('mesos-java-oom-137');
    const commands: Record<string, string> = {
      uname: 'uname -a',
      meminfo: 'cat /proc/meminfo',
      df: 'df -PT',
      ps: 'ps -eo pid,ppid,stat,etimes,wchan:32,args 2>/dev/null || ps -eo pid,ppid,stat,etime,wchan:32,args 2>/dev/null || ps -eo pid,ppid,stat,args',
      messages: 'for f in /var/log/messages /var/log/syslog; do if [ -r "$f" ]; then tail -n 20000 "$f"; exit; fi; done; journalctl _TRANSPORT=kernel --no-pager -o short-iso -n 20000',
      journal_docker: 'journalctl -u docker --no-pager -n 5000',
      docker_ps: `docker ps -a --no-trunc --format '{{json .}}'`,
      docker_inspect: 'docker inspect $(docker ps -aq)',
      docker_log_sizes: 'du -sb /var/lib/docker/containers/*/*-json.log',
    };
    const results = await Promise.all(Object.values(commands).map((c) => runner.run(c, RUN)));
    Object.keys(commands).forEach((spec, i) => {
      expect({ spec, stdout: results[i]?.stdout, exit: results[i]?.exit }).toEqual({ spec, stdout: fixture('mesos-java-oom-137', spec), exit: 0 });
    });
  });

  it('replays recorded non-zero exit codes and says when a spec was not collected', async () => {
    const runner = await runnerFor(FAILING);
    const [sizes, inodes] = await Promise.all([
      runner.run('du -sb /var/lib/docker/containers/*/*-json.log', RUN),
      runner.run('df -PTi', RUN),
    ]);
    expect(sizes.exit).toBe(recordedExit(FAILING, 'docker_log_sizes'));
    expect(sizes.exit).not.toBe(0);
    expect(inodes.exit).toBe(1);
    expect(inodes.stderr).toContain('lab: not in the recorded bundle');
  });

  it("runs the shipped docker_log_sizes step: the data root from the recorded daemon, dockerd's command line or the default, then the recorded sizes", async () => {
    const playbook = (await loadPlaybooks(PLAYBOOKS_DIR)).playbooks.get('docker-host')?.playbook;
    const step = playbook?.steps.find((s) => s.id === 'docker_log_sizes');
    const command = renderTemplate(step?.command ?? '', {});
    const [healthy, moved, hung] = await Promise.all(
      ['mesos-java-oom-137', FAILING, HUNG].map(async (name) => (await runnerFor(name)).run(command, RUN)),
    );
    expect(healthy).toMatchObject({ exit: 0, stdout: `# data-root /var/lib/docker (from docker-info)\n${fixture('mesos-java-oom-137', 'docker_log_sizes')}` });
    // CentOS 7's dockerd-current --graph=/data/docker, and a docker info of that age without Docker Root Dir
    expect(moved?.stdout).toBe(`# data-root /data/docker (from dockerd-cmdline)\n${fixture(FAILING, 'docker_log_sizes')}`);
    expect(moved?.exit).toBe(recordedExit(FAILING, 'docker_log_sizes'));
    // its docker info hangs: 3 s, then no daemon.json on a lab host and no root on `dockerd -H fd:// -D`
    expect(hung?.stdout.split('\n')[0]).toBe('# data-root /var/lib/docker (from default)');
  });

  it("replays a container playbook's bundle with that playbook and its container, and the data root its daemon gave", async () => {
    // each host says what its bundle was collected with (meta.json): the demo asks for just that
    expect(lab.hosts.find((h) => h.name === TASK)).toMatchObject({ playbook: 'container', params: { container: '18a0aae0fe8a' } });
    expect(lab.hosts.find((h) => h.name === FAILING)).toMatchObject({ playbook: 'docker-host' });
    expect(lab.hosts.find((h) => h.name === FAILING)?.params).toBeUndefined();
    // that playbook has no docker info step: the data root comes from the header it recorded
    const playbook = (await loadPlaybooks(PLAYBOOKS_DIR)).playbooks.get('container')?.playbook;
    const step = playbook?.steps.find((s) => s.id === 'docker_log_sizes');
    const sizes = await (await runnerFor(TASK)).run(renderTemplate(step?.command ?? '', { container: '18a0aae0fe8a' }), RUN);
    expect(sizes).toMatchObject({ exit: 0, stdout: fixture(TASK, 'docker_log_sizes') });
  });

  it('hangs a timed_out step until it is killed, and leaves no process behind', async () => {
    const runner = await runnerFor(HUNG);
    const [info, uname] = await Promise.all([runner.run('docker info', { timeoutMs: 800, maxBytes: 1024 }), runner.run('uname -a', RUN)]);
    expect(info).toMatchObject({ timedOut: true, exit: null });
    expect(uname).toMatchObject({ exit: 0, stdout: fixture(HUNG, 'uname') });
    const deadline = Date.now() + 10_000;
    while (hangingShims().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(hangingShims()).toEqual([]);
  });

  it('refuses a client key other than its own', async () => {
    const stranger = join(work, 'stranger');
    const { execFileSync } = await import('node:child_process');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger], { stdio: 'ignore' });
    await expect(createSshRunner({ ...targetFor(FAILING), identityFile: stranger })).rejects.toMatchObject({ code: 'ssh_auth_failed' });
  });
});

describe('sickbay lab', () => {
  it('clones bundles round-robin into N hosts, writes the inventory, and stops on the signal', async () => {
    const work = mkdtempSync(join(tmpdir(), 'sickbay-lab-cli-'));
    let out = '';
    const io = { colour: false, out: (t: string) => void (out += t), err: (t: string) => void (out += t) };
    let stop: () => void = () => undefined;
    const signal = new Promise<void>((resolve) => (stop = resolve));
    const running = runLab({ bundles: INCIDENTS_DIR, hosts: '12', writeInventory: join(work, 'inv.yaml'), durationScale: '0' }, io, signal);
    const deadline = Date.now() + 20_000;
    while (!out.includes('hosts up') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const inventory = parse(readFileSync(join(work, 'inv.yaml'), 'utf8')) as Inventory;
    const names = Object.keys(inventory.hosts);
    expect(names).toHaveLength(12);
    expect(names[0]).toMatch(/-0$/);
    expect(names[11]).toMatch(/-11$/);
    expect(out.split('\n').filter((l) => l.includes('\t127.0.0.1:'))).toHaveLength(12);
    const host = inventory.hosts[names[11] as string];
    const runner = await createSshRunner({
      name: names[11] as string,
      address: '127.0.0.1',
      port: host?.port ?? 0,
      user: 'root',
      identityFile: join(work, 'lab_client_key'),
      knownHostsFile: join(work, 'known_hosts'),
    });
    expect((await runner.run('nproc', RUN)).exit).toBe(0);
    await runner.close();
    stop();
    await running;
    expect(out).toContain('lab: stopped');
    rmSync(work, { recursive: true, force: true });
  });

  it('listens on consecutive ports from --port-base, and names the port it cannot take', async () => {
    const base = 20_000 + randomInt(0, 40_000);
    const io = { colour: false, out: () => undefined, err: () => undefined };
    const lab = await startLab({ bundlesDir: INCIDENTS_DIR, names: ['mesos-java-oom-137', 'redis-dm-pool-full'], durationScale: 0, portBase: base });
    try {
      expect(lab.hosts.map((h) => h.port)).toEqual([base, base + 1]);
      // a second lab on the same base finds its first port taken
      await expect(runLab({ bundles: INCIDENTS_DIR, portBase: String(base) }, io, Promise.resolve())).rejects.toMatchObject({
        code: 'lab_port_taken',
        userMessage: expect.stringContaining(`127.0.0.1:${base}`),
      });
    } finally {
      await lab.stop();
    }
  });

  it('is reached like any other host with --listen, --advertise, --host-key and --authorized-keys: the keys it was given, the name it was told', async () => {
    const work = mkdtempSync(join(tmpdir(), 'sickbay-lab-keys-'));
    const { execFileSync } = await import('node:child_process');
    const keygen = (name: string) => {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(work, name)], { stdio: 'ignore' });
      return readFileSync(join(work, `${name}.pub`), 'utf8').split(' ').slice(0, 2).join(' ');
    };
    const hostPublic = keygen('host_key');
    keygen('worker_key');
    keygen('stranger_key');
    let out = '';
    const io = { colour: false, out: (t: string) => void (out += t), err: (t: string) => void (out += t) };
    let stop: () => void = () => undefined;
    const signal = new Promise<void>((resolve) => (stop = resolve));
    const base = 20_000 + randomInt(0, 40_000);
    const options = {
      bundles: INCIDENTS_DIR,
      hosts: '2',
      durationScale: '0',
      portBase: String(base),
      listen: '127.0.0.1',
      advertise: 'lab.internal',
      hostKey: join(work, 'host_key'),
      authorizedKeys: join(work, 'worker_key.pub'),
      writeInventory: join(work, 'inv.yaml'),
    };
    const running = runLab(options, io, signal);
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes('hosts up') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(out).toContain(`\tlab.internal:${base}\t`);
      const inventory = parse(readFileSync(join(work, 'inv.yaml'), 'utf8')) as Inventory;
      expect(Object.values(inventory.hosts).map((h) => `${h.address}:${h.port}`)).toEqual([`lab.internal:${base}`, `lab.internal:${base + 1}`]);
      // no client key of its own: the inventory names none, and none is written
      expect(inventory.defaults.identity_file).toBeUndefined();
      expect(() => statSync(join(work, 'lab_client_key'))).toThrow();
      expect(readFileSync(join(work, 'known_hosts'), 'utf8')).toBe(`[lab.internal]:${base} ${hostPublic}\n[lab.internal]:${base + 1} ${hostPublic}\n`);
      // what a deployment writes once: one wildcard known_hosts line for every port of the lab
      writeFileSync(join(work, 'deploy_known_hosts'), `[127.0.0.1]:* ${hostPublic}\n`);
      const target = { name: 'lab-1', address: '127.0.0.1', port: base + 1, user: 'root', identityFile: join(work, 'worker_key'), knownHostsFile: join(work, 'deploy_known_hosts') };
      const runner = await createSshRunner(target);
      expect((await runner.run('nproc', RUN)).exit).toBe(0);
      await runner.close();
      await expect(createSshRunner({ ...target, identityFile: join(work, 'stranger_key') })).rejects.toMatchObject({ code: 'ssh_auth_failed' });
    } finally {
      stop();
      await running;
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('refuses a --listen that is not an IP address and an authorized keys file that holds no key', async () => {
    const io = { colour: false, out: () => undefined, err: () => undefined };
    await expect(runLab({ bundles: INCIDENTS_DIR, listen: 'lab' }, io, Promise.resolve())).rejects.toMatchObject({ code: 'cli_bad_option' });
    expect(() => parseAuthorizedKeys('# nobody\n')).toThrow(LabError);
    expect(() => parseAuthorizedKeys('command="x" ssh-ed25519 AAAA\n')).toThrow(/line 1/);
  });

  it('rejects a --hosts value that is not a whole number', async () => {
    const io = { colour: false, out: () => undefined, err: () => undefined };
    await expect(runLab({ bundles: INCIDENTS_DIR, hosts: 'lots' }, io, Promise.resolve())).rejects.toMatchObject({ code: 'cli_bad_option' });
  });
});
