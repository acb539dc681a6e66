import { describe, expect, it } from 'vitest';
import { fixedClock, SPEC_NAMES, type CommandResult, type CommandRunner, type DiagnosisProgress } from '../../src/domain/index.js';
import { collectBundle, parsePlaybook, type Playbook } from '../../src/playbooks/index.js';
import { LocalRunner } from '../helpers/local-runner.js';

const clock = fixedClock('2026-11-21T10:00:00Z');

function playbook(steps: string, params = ''): Playbook {
  return parsePlaybook(`name: t\ndescription: test\n${params}steps:\n${steps}`, 't.yml');
}

/** n steps, each on its own spec, running `command`. */
function sleepers(n: number, command: string): Playbook {
  const steps = SPEC_NAMES.slice(0, n)
    .map((spec) => `  - { id: ${spec}, spec: ${spec}, command: "${command}", timeout: 20s }\n`)
    .join('');
  return playbook(steps);
}

describe('collecting a bundle', () => {
  it('times out a hanging step while the others complete, and records each step in meta', async () => {
    // given a playbook with one step that never ends
    const pb = playbook(
      [
        '  - { id: uname, spec: uname, command: "echo Linux box 5.10", timeout: 10s }',
        '  - { id: docker_info, spec: docker_info, command: "echo starting; sleep 60", timeout: 300ms }',
        '  - { id: df, spec: df, command: "echo nope >&2; exit 3", timeout: 10s }',
        // journalctl on a host whose journald keeps nothing: exit 0, and the reason on stderr only
        '  - { id: journal_docker, spec: journal_docker, command: "echo -- No entries --; echo No journal files were found. >&2", timeout: 10s }',
        '',
      ].join('\n'),
    );
    const runner = new LocalRunner('box');
    // when
    const bundle = await collectBundle({ runner, host: 'box', playbook: pb, clock });
    // then
    expect(bundle.meta.host).toBe('box');
    expect(bundle.meta.collected_at).toBe('2026-11-21T10:00:00.000Z');
    expect(bundle.meta.playbook).toBe('t');
    expect(bundle.files.get('uname')).toBe('Linux box 5.10\n');
    expect(bundle.files.get('docker_info')).toBe('starting\n');
    expect(bundle.meta.steps?.uname).toMatchObject({ exit: 0, timed_out: false, truncated: false, command: 'echo Linux box 5.10' });
    expect(bundle.meta.steps?.docker_info).toMatchObject({ exit: null, timed_out: true });
    expect(bundle.meta.steps?.df).toMatchObject({ exit: 3, timed_out: false, stderr: 'nope' });
    expect(bundle.meta.steps?.journal_docker).toMatchObject({ exit: 0, stderr: 'No journal files were found.' });
    expect(bundle.meta.steps?.uname?.stderr).toBeUndefined();
    expect(Object.keys(bundle.meta.steps ?? {})).toEqual(['uname', 'docker_info', 'df', 'journal_docker']);
  });

  it('sends the steps with the longest timeouts first, playbook order among equals, and keeps meta in playbook order', async () => {
    const pb = playbook(
      [
        '  - { id: uname, spec: uname, command: "echo a", timeout: 5s }',
        '  - { id: df, spec: df, command: "echo b", timeout: 10s }',
        '  - { id: docker_log_sizes, spec: docker_log_sizes, command: "echo c", timeout: 15s }',
        '  - { id: ps, spec: ps, command: "echo d", timeout: 10s }',
        '  - { id: dmesg, spec: dmesg, command: "echo e", timeout: 5s, when: { step: docker_log_sizes, succeeded: true } }',
        '',
      ].join('\n'),
    );
    const runner = new LocalRunner();
    const bundle = await collectBundle({ runner, host: 'h', playbook: pb, clock });
    expect(runner.commands).toEqual(['echo c', 'echo b', 'echo d', 'echo a', 'echo e']);
    expect(Object.keys(bundle.meta.steps ?? {})).toEqual(['uname', 'df', 'docker_log_sizes', 'ps', 'dmesg']);
  });

  it('never runs more steps at once than the channel limit', async () => {
    const runner = new LocalRunner();
    const bundle = await collectBundle({ runner, host: 'h', playbook: sleepers(6, 'sleep 0.2; echo done'), channelLimit: 2, clock });
    expect(runner.maxRunning).toBe(2);
    expect(runner.commands).toHaveLength(6);
    expect([...bundle.files.values()]).toEqual(Array(6).fill('done\n'));
  });

  it('runs steps in parallel up to the default limit of 8', async () => {
    const runner = new LocalRunner();
    await collectBundle({ runner, host: 'h', playbook: sleepers(10, 'sleep 0.2'), clock });
    expect(runner.maxRunning).toBe(8);
  });

  it('runs a step guarded on an earlier step only when that step succeeded', async () => {
    const pb = playbook(
      [
        '  - { id: docker_version, spec: docker_version, command: "exit 1", timeout: 5s }',
        '  - { id: docker_info, spec: docker_info, command: "echo info", timeout: 5s, when: { step: docker_version, succeeded: true } }',
        '  - { id: dmesg, spec: dmesg, command: "echo kernel", timeout: 5s, when: { step: docker_version, succeeded: false } }',
        '',
      ].join('\n'),
    );
    const runner = new LocalRunner();
    const bundle = await collectBundle({ runner, host: 'h', playbook: pb, clock });
    expect(runner.commands).toEqual(['exit 1', 'echo kernel']);
    expect(bundle.files.has('docker_info')).toBe(false);
    expect(bundle.meta.steps?.docker_info).toBeUndefined();
    expect(bundle.files.get('dmesg')).toBe('kernel\n');
  });

  it('runs a step guarded on a param only when the param is given, with the value single-quoted', async () => {
    const pb = playbook(
      '  - { id: docker_inspect, spec: docker_inspect, command: "echo {{container}}", timeout: 5s, when: { param: container } }\n  - { id: uname, spec: uname, command: "echo u", timeout: 5s }\n',
      'params:\n  container: { type: container_id }\n',
    );
    const without = new LocalRunner();
    await collectBundle({ runner: without, host: 'h', playbook: pb, clock });
    expect(without.commands).toEqual(['echo u']);

    const withParam = new LocalRunner();
    const bundle = await collectBundle({ runner: withParam, host: 'h', playbook: pb, params: { container: '812c82c5a7a5' }, clock });
    expect(withParam.commands).toContain("echo '812c82c5a7a5'");
    expect(bundle.files.get('docker_inspect')).toBe('812c82c5a7a5\n');
    // meta.json says what it was collected about; a bundle without params says none
    expect(bundle.meta.params).toEqual({ container: '812c82c5a7a5' });
    expect((await collectBundle({ runner: new LocalRunner(), host: 'h', playbook: pb, clock })).meta.params).toBeUndefined();
  });

  it('records a step whose runner throws as an error and still returns the bundle', async () => {
    const local = new LocalRunner();
    const flaky: CommandRunner = {
      host: 'h',
      run: (command, options): Promise<CommandResult> =>
        command.includes('lost') ? Promise.reject(new Error('connection lost')) : local.run(command, options),
      close: async () => {},
    };
    const pb = playbook('  - { id: uname, spec: uname, command: "echo ok", timeout: 5s }\n  - { id: ps, spec: ps, command: "echo lost", timeout: 5s }\n');
    const bundle = await collectBundle({ runner: flaky, host: 'h', playbook: pb, clock });
    expect(bundle.meta.steps?.ps).toMatchObject({ exit: null, error: 'connection lost' });
    expect(bundle.files.get('ps')).toBe('');
    expect(bundle.files.get('uname')).toBe('ok\n');
  });

  it('cuts output at maxBytes and marks the step truncated', async () => {
    const pb = playbook('  - { id: dmesg, spec: dmesg, command: "yes kernel | head -c 100000", timeout: 5s }\n');
    const bundle = await collectBundle({ runner: new LocalRunner(), host: 'h', playbook: pb, maxBytes: 1000, clock });
    expect(bundle.files.get('dmesg')).toHaveLength(1000);
    expect(bundle.meta.steps?.dmesg).toMatchObject({ truncated: true });
  });

  it('reports progress once per step that ran, counting up to the total', async () => {
    const events: DiagnosisProgress[] = [];
    const pb = playbook(
      '  - { id: uname, spec: uname, command: "true", timeout: 5s }\n  - { id: df, spec: df, command: "false", timeout: 5s }\n  - { id: ps, spec: ps, command: "sleep 5", timeout: 200ms }\n',
    );
    await collectBundle({ runner: new LocalRunner(), host: 'h', playbook: pb, clock, onProgress: (e) => events.push(e) });
    expect(events.map((e) => (e.kind === 'step' ? `${e.step}:${e.status}` : e.kind)).sort()).toEqual(['df:failed', 'ps:timed_out', 'uname:ok']);
    expect(events.map((e) => (e.kind === 'step' ? e.done : 0))).toEqual([1, 2, 3]);
    expect(events.every((e) => e.kind === 'step' && e.total === 3)).toBe(true);
  });
});
