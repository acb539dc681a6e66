import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/index.js';
import { readBundle } from '../../src/bundles/index.js';
import { groupFindings, type Finding } from '../../src/domain/index.js';
import { renderTerminal } from '../../src/report/index.js';
import { blocks } from '../../src/slack/index.js';
import { INCIDENTS_DIR } from '../helpers/fixtures.js';

const NOW = new Date('2026-11-21T00:00:00Z');

const oom = (id: string, earlier?: string): Finding => ({
  code: 'CONTAINER_OOM_KILLED',
  severity: 'critical',
  subject: id,
  title: `java (pid 1) in container ${id} killed by the memory cgroup`,
  evidence: [{ spec: 'dmesg', text: `Task in /docker/${id} killed` }],
  fixes: [
    { title: 'Cap the heap', container_env: [`JAVA_TOOL_OPTIONS=-Xmx3072m`] },
    { title: 'Restart it', commands: [`docker restart ${id}`] },
    { title: 'Cap its log', daemon_options: ['--log-opt max-size=100m --log-opt max-file=3', `--log-opt max-size=${id.length}m`] },
  ],
  seen: { count: 1, last: { utc: '2017-08-25T10:21:54Z', host: '2017-08-25 18:21:54 +08:00', ago_seconds: 1098 } },
  ...(earlier ? { earlier } : {}),
});

describe('one entry per finding code', () => {
  it('groups the instances of a code, current apart from earlier, with each fix title once and every command', () => {
    const groups = groupFindings([oom('aaaaaaaaaaaa'), oom('bbbbbbbbbbbb'), oom('cccccccccccc', 'the container no longer exists')]);
    expect(groups.map((g) => [g.code, g.earlier, g.instances.length])).toEqual([
      ['CONTAINER_OOM_KILLED', false, 2],
      ['CONTAINER_OOM_KILLED', true, 1],
    ]);
    expect(groups[0]?.fixes).toEqual([
      { title: 'Cap the heap', container_env: ['JAVA_TOOL_OPTIONS=-Xmx3072m'] },
      { title: 'Restart it', commands: ['docker restart aaaaaaaaaaaa', 'docker restart bbbbbbbbbbbb'] },
      { title: 'Cap its log', daemon_options: ['--log-opt max-size=100m --log-opt max-file=3', '--log-opt max-size=12m'] },
    ]);
  });

  it('shows settings where they go, not as commands to type: daemon.json for dockerd, the environment for a container', () => {
    const report = { host: 'h', findings: [oom('aaaaaaaaaaaa')], root_cause: null };
    const text = renderTerminal(report, { colour: false });
    // a running container keeps the environment it started with: said where the variable goes
    expect(text).toContain(`the container's environment, when it is created again (docker run -e): JAVA_TOOL_OPTIONS=-Xmx3072m`);
    expect(text).toContain('/etc/docker/daemon.json: { "log-opts": { "max-size": "100m", "max-file": "3" } }');
    expect(text).not.toMatch(/\$ (?:-|JAVA_TOOL_OPTIONS)/);
    const reply = JSON.stringify(blocks.findingMessage('h', oom('aaaaaaaaaaaa')));
    expect(reply).toContain("In the container's environment, when it is created again (docker run -e):");
    expect(reply).toContain('In /etc/docker/daemon.json:\\n```{ \\"log-opts\\": { \\"max-size\\": \\"100m\\", \\"max-file\\": \\"3\\" } }```');
  });

  it('renders one terminal block per code, with each instance and its time, and the fixes once', async () => {
    const report = analyze(await readBundle(`${INCIDENTS_DIR}/mesos-java-oom-137`), { now: NOW });
    const text = renderTerminal(report, { colour: false });
    expect(text.match(/^CRIT CONTAINER_OOM_KILLED/gm)).toHaveLength(1);
    expect(text.match(/^WARN JVM_HEAP_UNBOUNDED/gm)).toHaveLength(1);
    expect(text).toContain('when: seen 2017-08-25 18:21:54 +08:00 (2017-08-25T10:21:54.102Z UTC, 18 min ago)');
    const block = text.slice(text.indexOf('CRIT CONTAINER_OOM_KILLED'), text.indexOf('WARN STORAGE_DRIVER_RISK'));
    for (const fix of new Set(report.findings.filter((f) => f.code === 'CONTAINER_OOM_KILLED').flatMap((f) => f.fixes.map((x) => x.title)))) {
      expect(block.split(`fix: ${fix}`).length - 1, fix).toBe(1);
    }
  });

  it('puts history under "Earlier on this host" in the terminal and in Slack, after the current problems', () => {
    const report = { host: 'h', findings: [oom('aaaaaaaaaaaa'), oom('cccccccccccc', 'the container no longer exists')], root_cause: null };
    const text = renderTerminal(report, { colour: false });
    expect(text.indexOf('Earlier on this host')).toBeGreaterThan(text.indexOf('aaaaaaaaaaaa'));
    expect(text.slice(text.indexOf('Earlier on this host'))).toContain('earlier: the container no longer exists');
    const summary = JSON.stringify(blocks.reportBlocks(report));
    expect(summary.indexOf('Earlier on this host')).toBeGreaterThan(summary.indexOf('aaaaaaaaaaaa'));
    expect(summary.slice(summary.indexOf('Earlier on this host'))).toContain('cccccccccccc');
  });

  it('makes one Slack reply for all instances of a code, with every instance and the fixes once', () => {
    const instances = [oom('aaaaaaaaaaaa'), oom('bbbbbbbbbbbb')];
    const msg = blocks.findingMessage('h', instances[0] as Finding, [], instances);
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('2 instances');
    expect(text).toContain('container aaaaaaaaaaaa');
    expect(text).toContain('container bbbbbbbbbbbb');
    expect(text.split('Cap the heap').length - 1).toBe(1);
    expect(text).toContain('18 min ago');
  });

  it('gives a fix once per report: a later code whose fix an earlier code gave whole names that code instead', async () => {
    // a full thin pool that is also over-committed: both findings offer to grow the pool
    const report = analyze(await readBundle(`${INCIDENTS_DIR}/redis-dm-pool-full`), { now: NOW });
    const groups = groupFindings(report.findings);
    const of = (code: string) => groups.find((g) => g.code === code);
    const grow = 'Grow the device under the pool, /dev/sda3, then restart Docker';
    expect(of('DM_POOL_DATA_FULL')?.fixes.map((f) => f.title)).toContain(grow);
    expect(of('DM_POOL_DATA_FULL')?.fixesGivenBefore).toEqual([]);
    expect(of('DM_OVERCOMMIT')?.fixesGivenBefore).toContainEqual({ title: grow, code: 'DM_POOL_DATA_FULL' });
    // its own fixes stay whole
    expect(of('DM_OVERCOMMIT')?.fixesGivenBefore.map((r) => r.title)).not.toContain('Stop promising the pool more than it has');
    const text = renderTerminal(report, { colour: false });
    expect(text.split(`fix: ${grow}`).length - 1).toBe(2);
    expect(text).toContain(`fix: ${grow}  (as given above under DM_POOL_DATA_FULL)`);
    expect(text.split('$ lsblk /dev/sda3').length - 1).toBe(1);
    // in Slack, the over-commit's reply names it in its place, without the commands again
    const overcommit = of('DM_OVERCOMMIT');
    const lead = overcommit?.instances[0] as Finding;
    const reply = JSON.stringify(blocks.findingMessage('h', lead, [], overcommit?.instances, overcommit?.fixesGivenBefore));
    expect(reply).toContain(`${grow} _(the fix given above for \`DM_POOL_DATA_FULL\`)_`);
    expect(reply).not.toContain('lsblk /dev/sda3');
  });

  it('names a fix given before in its own place, so the order of the advice holds', async () => {
    // the unbounded JVM heap gives -Xmx first; the OOM kill it explains keeps it first, named
    const report = analyze(await readBundle(`${INCIDENTS_DIR}/mesos-java-oom-137`), { now: NOW });
    const text = renderTerminal(report, { colour: false });
    const block = text.slice(text.indexOf('CRIT CONTAINER_OOM_KILLED'));
    const fixes = block.split('\n').filter((l) => l.startsWith('    fix: '));
    expect(fixes[0]).toMatch(/^ {4}fix: Bound the heap to about 3\/4 of the limit: -Xmx3072m for a 4 GiB limit {2}\(as given above under JVM_HEAP_UNBOUNDED\)$/);
    expect(fixes[1]).toMatch(/\(as given above under JVM_HEAP_UNBOUNDED\)$/);
  });

  it('keeps a fix whole when it says more than the one given before (other commands, another detail)', () => {
    const restart = (id: string): Finding => ({ ...oom(id), code: 'CONTAINER_RESTART_LOOP', fixes: [{ title: 'Restart it', commands: [`docker restart ${id}`] }] });
    const [first, second] = groupFindings([oom('aaaaaaaaaaaa'), restart('aaaaaaaaaaaa')]);
    expect(second?.fixesGivenBefore).toEqual([{ title: 'Restart it', code: 'CONTAINER_OOM_KILLED' }]);
    expect(first?.fixes.map((f) => f.title)).toContain('Restart it');
    expect(first?.fixesGivenBefore).toEqual([]);
    const [, other] = groupFindings([oom('aaaaaaaaaaaa'), restart('bbbbbbbbbbbb')]);
    expect(other?.fixesGivenBefore).toEqual([]);
    expect(other?.fixes).toEqual([{ title: 'Restart it', commands: ['docker restart bbbbbbbbbbbb'] }]);
    // history is its own section: a fix is named only within it
    const [, earlier] = groupFindings([oom('aaaaaaaaaaaa'), { ...restart('aaaaaaaaaaaa'), earlier: 'the container no longer exists' }]);
    expect(earlier?.fixesGivenBefore).toEqual([]);
  });

  it('names every independent problem with its own cause', () => {
    const report = {
      host: 'h',
      findings: [oom('aaaaaaaaaaaa')],
      root_cause: { code: 'DOCKERD_UNRESPONSIVE' as const, title: 'dockerd frozen', summary: 'a', explains: ['DOCKERD_UNRESPONSIVE' as const] },
      problems: [
        { code: 'DOCKERD_UNRESPONSIVE' as const, title: 'dockerd frozen', summary: 'a', explains: ['DOCKERD_UNRESPONSIVE' as const] },
        { code: 'CONTAINER_OOM_KILLED' as const, title: 'java killed', summary: 'b', explains: ['CONTAINER_OOM_KILLED' as const] },
      ],
    };
    expect(renderTerminal(report, { colour: false })).toMatch(/Root cause: dockerd frozen[\s\S]*Separate problem, its own cause: java killed/);
    expect(JSON.stringify(blocks.reportBlocks(report))).toMatch(/Root cause:.*dockerd frozen.*Separate problem, its own cause:.*java killed/);
  });
});

describe('what a report could not see', () => {
  it('says each reason once, with the steps that failed for it, in the order they came', () => {
    const report = {
      host: 'h',
      findings: [],
      root_cause: null,
      gaps: [
        { spec: 'df_inodes', reason: 'exit 1: lab: not in the recorded bundle' },
        { spec: 'docker_info', reason: 'timed out' },
        { spec: 'mountinfo', reason: 'exit 1: lab: not in the recorded bundle' },
        { spec: 'docker_ps', reason: 'timed out' },
        { spec: 'blocked_threads', reason: "exit 1: ps: invalid option -- 'L'" },
      ],
    };
    const line = "Not seen: df_inodes, mountinfo (exit 1: lab: not in the recorded bundle); docker_info, docker_ps (timed out); blocked_threads (exit 1: ps: invalid option -- 'L')";
    expect(renderTerminal(report, { colour: false }).trimEnd().split('\n').at(-1)).toBe(line);
    expect(JSON.stringify(blocks.reportBlocks(report))).toContain(JSON.stringify(line));
  });
});

describe("a host whose clock is off from the worker's", () => {
  it('says by how much and which way, under the counts in the terminal and as a note in Slack; nothing when it is not', () => {
    const report = { host: 'h', collected_at: '2017-08-25T10:40:12Z', findings: [], root_cause: null, host_clock_skew_seconds: 722 };
    const note = 'Note: the host\'s clock is 12 min ahead of the worker\'s: times here are the host\'s, and "ago" is counted on its clock';
    expect(renderTerminal(report, { colour: false }).split('\n')[1]).toBe(note);
    expect(JSON.stringify(blocks.reportBlocks(report))).toContain("Note: the host's clock is 12 min ahead of the worker's: times here are the host's");
    expect(JSON.stringify(blocks.reportBlocks({ ...report, host_clock_skew_seconds: -7612 }))).toContain('2 h behind the worker');
    const { host_clock_skew_seconds: _skew, ...agreeing } = report;
    expect(renderTerminal(agreeing, { colour: false })).not.toContain('clock');
    expect(JSON.stringify(blocks.reportBlocks({ host: 'h', findings: [], root_cause: null }))).not.toContain('clock');
  });
});
