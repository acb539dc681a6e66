import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYBOOKS_DIR } from '../../../src/config/index.js';
import { systemClock, type HostRef } from '../../../src/domain/index.js';
import { createDiagnoser } from '../../../src/diagnosis/index.js';
import { loadInventory } from '../../../src/inventory/index.js';
import { startLab, type Lab } from '../../../src/lab/index.js';
import { loadPlaybooks } from '../../../src/playbooks/index.js';
import { createSshRunner } from '../../../src/ssh/index.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { hangingShims, until } from '../../helpers/processes.js';

const BUNDLES = ['mesos-container-stop-timeout', 'centos-dm-loop-pool-full'];
const HUNG = 'docker-06-containerd-eof';
const STUCK = '8f8020e79b13';
const RUN = { timeoutMs: 10_000, maxBytes: 4 << 20 };

describe('a lab that answers shell sessions in process', () => {
  let work: string;
  let real: Lab;
  let replayed: Lab;
  const hosts = new Map<Lab, readonly HostRef[]>();

  const hostsOf = async (lab: Lab, name: string): Promise<readonly HostRef[]> => {
    await lab.writeInventory(join(work, name, 'inventory.yaml'));
    return (await loadInventory(join(work, name, 'inventory.yaml'))).list();
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sickbay-lab-inproc-'));
    const names = [...BUNDLES, HUNG];
    // four hosts: two of each bundle, so the second host of a bundle meets what the first recorded
    [real, replayed] = await Promise.all([
      startLab({ bundlesDir: INCIDENTS_DIR, names: BUNDLES, hosts: 4, durationScale: 0 }),
      startLab({ bundlesDir: INCIDENTS_DIR, names, hosts: 6, durationScale: 0, sessionsInProcess: true }),
    ]);
    hosts.set(real, await hostsOf(real, 'real'));
    hosts.set(replayed, await hostsOf(replayed, 'replayed'));
  });

  afterAll(async () => {
    await Promise.all([real?.stop(), replayed?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  const hostOf = (lab: Lab, bundle: string, nth = 0): HostRef => {
    const host = (hosts.get(lab) ?? []).filter((h) => h.name.startsWith(`${bundle}-`))[nth];
    if (!host) throw new Error(`no host ${nth} of ${bundle}`);
    return host;
  };

  it('gives a diagnosis the same evidence, step results and findings as a lab running the driver, and a second host of a bundle starts no process', async () => {
    const playbooks = await loadPlaybooks(PLAYBOOKS_DIR);
    const diagnoser = createDiagnoser({ playbooks, connect: (t) => createSshRunner(t), clock: systemClock });
    const diagnose = (host: HostRef) => diagnoser.diagnose({ host, playbook: 'docker-host' });
    for (const bundle of BUNDLES) {
      const [ours, theirs] = await Promise.all([diagnose(hostOf(replayed, bundle)), diagnose(hostOf(real, bundle))]);
      expect(ours.bundle?.meta.transport).toEqual({ mode: 'shell-session' });
      expect(Object.fromEntries(ours.bundle?.files ?? [])).toEqual(Object.fromEntries(theirs.bundle?.files ?? []));
      const outcome = (r: typeof ours) =>
        Object.fromEntries(Object.entries(r.bundle?.meta.steps ?? {}).map(([spec, m]) => [spec, { exit: m.exit, timed_out: m.timed_out ?? false, truncated: m.truncated ?? false }]));
      expect(outcome(ours)).toEqual(outcome(theirs));
      expect(ours.report.findings.map((f) => f.code).sort()).toEqual(theirs.report.findings.map((f) => f.code).sort());
      expect(ours.report.findings.length).toBeGreaterThan(0);
    }
    const started = replayed.processesStarted;
    expect(started).toBeGreaterThan(0);
    for (const bundle of BUNDLES) {
      const second = await diagnose(hostOf(replayed, bundle, 1));
      const first = await diagnose(hostOf(replayed, bundle, 0));
      expect(Object.fromEntries(second.bundle?.files ?? [])).toEqual(Object.fromEntries(first.bundle?.files ?? []));
    }
    expect(replayed.processesStarted).toBe(started);
  });

  it('times out a hung step on every host of its bundle, and what the first one ran for real is gone after its backstop', async () => {
    for (const nth of [0, 1]) {
      const runner = await createSshRunner(hostOf(replayed, HUNG, nth).ssh);
      const before = replayed.processesStarted;
      const [info, uname] = await Promise.all([runner.run('docker info', { timeoutMs: 800, maxBytes: 1024 }), runner.run('uname -a', RUN)]);
      expect(info).toMatchObject({ timedOut: true, exit: null });
      expect(uname).toMatchObject({ exit: 0, stdout: readFileSync(join(INCIDENTS_DIR, HUNG, 'uname'), 'utf8') });
      await runner.close();
      // the first host records the hang for real (one `sh` until the 2 s backstop), the second replays it
      if (nth === 1) expect(replayed.processesStarted).toBe(before);
    }
    await until(() => hangingShims().length === 0, 'the recorded hang to be killed by its backstop');
  });

  it('runs a fix for real every time, and later output on that host (only) follows it', async () => {
    const bundle = BUNDLES[0] as string;
    const [fixed, other] = await Promise.all([createSshRunner(hostOf(replayed, bundle, 0).ssh), createSshRunner(hostOf(replayed, bundle, 1).ssh)]);
    const ps = `docker ps -a --no-trunc --format '{{json .}}'`;
    expect((await fixed.run(ps, RUN)).stdout).toContain(STUCK);
    for (const runner of [fixed, other]) {
      const before = replayed.processesStarted;
      expect(await runner.run(`docker rm -f '${STUCK}'`, RUN)).toMatchObject({ exit: 0, stdout: `${STUCK}\n` });
      expect(replayed.processesStarted).toBe(before + 1);
      expect((await runner.run(ps, RUN)).stdout).not.toContain(STUCK);
      if (runner === fixed) expect((await other.run(ps, RUN)).stdout).toContain(STUCK);
    }
    await Promise.all([fixed.close(), other.close()]);
  });
});
