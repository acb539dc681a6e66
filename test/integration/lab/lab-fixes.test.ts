import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectedWith, LAB_BUNDLE_ENV, LAB_FIXES_ENV, LAB_FIXES_NOOP_FILE, LAB_STATE_ENV, prepareReplay, replayPath, writeShims } from '../../../src/lab/index.js';
import { PLAYBOOKS_DIR } from '../../../src/config/index.js';
import { loadPlaybooks, renderTemplate } from '../../../src/playbooks/index.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';

const run = promisify(execFile);
const BUNDLE = 'mesos-container-stop-timeout';
const STUCK = '8f8020e79b13';
const OTHER = 'b3ceef33f21e';

describe('lab fixes: docker rm -f and docker restart change what the replay shows', () => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  let state: string;

  const sh = async (command: string, extra: NodeJS.ProcessEnv = {}) => {
    try {
      const { stdout, stderr } = await run('sh', ['-c', command], { env: { ...env, ...extra } });
      return { stdout, stderr, exit: 0 };
    } catch (err) {
      const e = err as { stdout: string; stderr: string; code: number };
      return { stdout: e.stdout, stderr: e.stderr, exit: e.code };
    }
  };
  const ids = (psOutput: string) => [...psOutput.matchAll(/"ID":"([0-9a-f]{12})/g)].map((m) => m[1]);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sickbay-lab-fixes-'));
    const shims = await writeShims(join(work, 'shims'));
    const replay = await prepareReplay(join(INCIDENTS_DIR, BUNDLE), join(work, 'replay'), { durationScale: 0 });
    state = join(work, 'state');
    env = { PATH: replayPath(shims), [LAB_BUNDLE_ENV]: replay, [LAB_STATE_ENV]: state, LANG: 'C' };
  });

  beforeEach(async () => {
    await rm(state, { recursive: true, force: true });
    await mkdir(state);
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('drops a removed container from later docker ps output, long and quiet, and keeps the others', async () => {
    const before = await sh(`docker ps -a --no-trunc --format '{{json .}}'`);
    expect(ids(before.stdout)).toContain(STUCK);
    const removal = await sh(`sudo -n docker rm -f '${STUCK}'`);
    expect(removal).toMatchObject({ exit: 0, stdout: `${STUCK}\n` });
    const after = await sh(`docker ps -a --no-trunc --format '{{json .}}'`);
    expect(ids(after.stdout)).not.toContain(STUCK);
    expect(ids(after.stdout)).toEqual(ids(before.stdout).filter((id) => id !== STUCK));
    const quiet = await sh('docker ps -aq');
    expect(quiet.stdout.split('\n')).not.toContain(STUCK);
    expect(quiet.stdout.split('\n')).toContain(OTHER);
  });

  it('lists only the container named by --filter id=, by prefix, and nothing for a removed one', async () => {
    const one = await sh(`docker ps -a --no-trunc --filter id='${STUCK}' --format '{{json .}}'`);
    expect(ids(one.stdout)).toEqual([STUCK]);
    await sh(`docker rm -f ${STUCK}`);
    const gone = await sh(`docker ps -a --no-trunc --filter id='${STUCK}' --format '{{json .}}'`);
    expect(gone).toMatchObject({ exit: 0, stdout: '' });
  });

  it('records docker restart without dropping the container', async () => {
    const restart = await sh(`docker restart -t 10 ${OTHER}`);
    expect(restart).toMatchObject({ exit: 0, stdout: `${OTHER}\n` });
    expect(await readFile(join(state, 'restarted'), 'utf8')).toBe(`${OTHER}\n`);
    expect(ids((await sh('docker ps -a --no-trunc')).stdout)).toContain(OTHER);
  });

  it('makes fixes succeed and change nothing when the host is marked noop, by env or by marker file', async () => {
    expect(await sh(`docker rm -f ${STUCK}`, { [LAB_FIXES_ENV]: 'noop' })).toMatchObject({ exit: 0, stdout: `${STUCK}\n` });
    expect(ids((await sh('docker ps -a --no-trunc')).stdout)).toContain(STUCK);
    await writeFile(join(state, LAB_FIXES_NOOP_FILE), '');
    expect((await sh(`docker rm -f ${STUCK}`)).exit).toBe(0);
    expect(ids((await sh('docker ps -a --no-trunc')).stdout)).toContain(STUCK);
  });

  it('refuses a container id that is not hex, as docker would, and records nothing', async () => {
    const bad = await sh(`docker rm -f 'zz;rm'`);
    expect(bad.exit).toBe(1);
    expect(bad.stderr).toContain('No such container');
    expect(ids((await sh('docker ps -a --no-trunc')).stdout)).toContain(STUCK);
  });

  it('answers docker inspect ID with that container alone, and "No such object" once it is removed', async () => {
    const one = await sh(`docker inspect '${STUCK}'`);
    expect(one.exit).toBe(0);
    const parsed = JSON.parse(one.stdout) as { Id: string }[];
    expect(parsed.map((c) => c.Id.slice(0, 12))).toEqual([STUCK]);
    const all = JSON.parse((await sh(`docker inspect ${STUCK} ${OTHER}`)).stdout) as { Id: string }[];
    expect(all.length).toBeGreaterThan(1);
    await sh(`docker rm -f ${STUCK}`);
    const gone = await sh(`docker inspect ${STUCK}`);
    expect(gone.exit).toBe(1);
    expect(gone.stderr).toContain(`No such object: ${STUCK}`);
    expect((await sh(`docker inspect ${'0'.repeat(12)}`)).exit).toBe(1);
  });
});

describe("the lab's shims for steps that read the host directly: a lab host's answers are its bundle's, never this machine's", () => {
  let work: string;
  let bundles = 0;
  /** A step's own command run on a lab host replaying `bundle` (a directory, or the files to make one). */
  const stepOn = async (step: string, bundle: string | Record<string, string>) => {
    bundles += 1;
    const dir = typeof bundle === 'string' ? bundle : join(work, `bundle-${bundles}`);
    if (typeof bundle !== 'string') {
      await mkdir(dir);
      for (const [spec, text] of Object.entries(bundle)) await writeFile(join(dir, spec), text);
    }
    const replay = await prepareReplay(dir, join(work, `replay-${bundles}`), { durationScale: 0 });
    const env = { PATH: replayPath(join(work, 'shims')), [LAB_BUNDLE_ENV]: replay, LANG: 'C' };
    try {
      const { stdout, stderr } = await run('sh', ['-c', step], { env });
      return { stdout, stderr, exit: 0 };
    } catch (err) {
      const e = err as { stdout: string; stderr: string; code: number };
      return { stdout: e.stdout, stderr: e.stderr, exit: e.code };
    }
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sickbay-lab-steps-'));
    await writeShims(join(work, 'shims'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("refuses a bundle whose meta.json is not one, naming the file and the field, as reading the bundle does", async () => {
    for (const [meta, why] of [
      ['{"steps": ', /meta\.json is malformed: not JSON/],
      ['{"params": {"container": 12}}', /meta\.json is malformed: params\.container: /],
    ] as const) {
      bundles += 1;
      const dir = join(work, `bundle-${bundles}`);
      await mkdir(dir);
      await writeFile(join(dir, 'meta.json'), meta);
      await expect(prepareReplay(dir, join(work, `replay-${bundles}`))).rejects.toThrow(why);
      await expect(collectedWith(dir)).rejects.toThrow(why);
    }
  });

  describe('grep over /sys/fs/cgroup: the container_memory step', () => {
    const step = renderTemplate(`{{@memory_cgroups}}\nsickbay_memory_cgroups ''`, {});
    const RECORDED = `/sys/fs/cgroup/memory/docker/${'c0ffee'.padEnd(64, '0')}/memory.usage_in_bytes:52428800\n`;

    it('replays the recorded container_memory output', async () => {
      expect(await stepOn(step, { container_memory: RECORDED })).toMatchObject({ exit: 0, stdout: RECORDED });
    });

    it('fails the step, saying why, on a bundle that did not collect it (not "no container running")', async () => {
      const result = await stepOn(step, join(INCIDENTS_DIR, BUNDLE));
      expect(result).toMatchObject({ exit: 1, stdout: '' });
      expect(result.stderr).toContain('lab: not in the recorded bundle');
    });
  });

  describe('docker logs: container_log_tail', () => {
    const LINE = '2026-12-04T16:58:02.5Z flapper: cannot reach its database';

    it("replays the container playbook's recorded lines after the header the step prints itself", async () => {
      const step = renderTemplate("echo '# container' {{container}}; docker logs --tail 50 --timestamps {{container}} 2>&1", { container: 'f448235c7ef1' });
      expect(await stepOn(step, { container_log_tail: `# container f448235c7ef1\n${LINE}\n` })).toMatchObject({ exit: 0, stdout: `# container f448235c7ef1\n${LINE}\n` });
    });

    it("lists docker-host's containers in a restart loop, unhealthy or failed within hours, and gives each its own recorded lines", async () => {
      const looping = 'f448235c7ef1'.padEnd(64, 'a1');
      const steady = 'fd38ecd9413b'.padEnd(64, 'a2');
      const failed = 'b173b97bb0af'.padEnd(64, 'a3');
      const done = 'c89fb8dfc1b6'.padEnd(64, 'a4');
      const stopped = 'd05c16fc97aa'.padEnd(64, 'a5');
      const old = 'e6e4fb126586'.padEnd(64, 'a6');
      const caught = 'a7e5c0ffee42'.padEnd(64, 'a7');
      const sick = 'b8f6d1aa0c53'.padEnd(64, 'a8');
      const starting = 'c9a7e2bb1d64'.padEnd(64, 'a9');
      const docker_ps = [
        `{"ID":"${looping}","Names":"flapper","Status":"Restarting (1) 2 seconds ago"}`,
        `{"ID":"${caught}","Names":"worker","Status":"Up Less than a second"}`,
        `{"ID":"${steady}","Names":"chatty","Status":"Up 2 hours"}`,
        `{"ID":"${sick}","Names":"api","Status":"Up 3 hours (unhealthy)"}`,
        `{"ID":"${starting}","Names":"db","Status":"Up 40 seconds (health: starting)"}`,
        `{"ID":"${failed}","Names":"exporter","Status":"Exited (1) About an hour ago"}`,
        `{"ID":"${done}","Names":"migrate","Status":"Exited (0) 3 minutes ago"}`,
        `{"ID":"${stopped}","Names":"web","Status":"Exited (143) 5 seconds ago"}`,
        `{"ID":"${old}","Names":"report","Status":"Exited (1) 2 days ago"}`,
        '',
      ].join('\n');
      const tail = (id: string, text: string) => `# container ${id.slice(0, 12)}\n2026-12-04T16:58:03.0Z ${text}\n`;
      const container_log_tail = `# container ${looping.slice(0, 12)}\n${LINE}\n${tail(caught, 'worker: no queue')}${tail(steady, 'chatty: tick')}${tail(sick, 'api: pool exhausted')}${tail(failed, 'export: giving up')}${tail(done, 'migrate: done')}${tail(stopped, 'web: bye')}${tail(old, 'report: failed')}`;
      const playbook = (await loadPlaybooks(PLAYBOOKS_DIR)).playbooks.get('docker-host')?.playbook;
      const step = renderTemplate(playbook?.steps.find((s) => s.id === 'container_log_tail')?.command ?? '', {});
      // the restart loop, another caught up for less than a second between two exits, the unhealthy
      // one (its check still starting is not), and the failure of an hour ago: not one up for hours,
      // a clean exit, a stop, or one of days ago
      expect(await stepOn(step, { docker_ps, container_log_tail })).toMatchObject({
        exit: 0,
        stdout: `# container ${looping.slice(0, 12)}\n${LINE}\n${tail(caught, 'worker: no queue')}${tail(sick, 'api: pool exhausted')}${tail(failed, 'export: giving up')}`,
      });
    });
  });
});
