import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/index.js';
import { readBundle, writeBundle } from '../../src/bundles/index.js';
import { bundleFromRecord, fixedClock, SPEC_NAMES } from '../../src/domain/index.js';
import { checkPlaybookParams, collectBundle, findPlaybook, loadPlaybooks, ParamError, placeholders, playbookJsonSchema, PlaybookNotFoundError } from '../../src/playbooks/index.js';
import { HOSTILE_INPUTS } from '../helpers/hostile-inputs.js';
import { incidentBundles } from '../helpers/fixtures.js';
import { CANONICAL_COMMANDS, ReplayRunner } from '../helpers/replay-runner.js';

const shipped = await loadPlaybooks('playbooks');
const dockerHost = shipped.playbooks.get('docker-host')?.playbook;

describe('shipped playbooks', () => {
  it('all load without errors', () => {
    expect(shipped.errors.map((e) => e.userMessage)).toEqual([]);
    expect([...shipped.playbooks.keys()].sort()).toEqual(['capacity', 'container', 'docker-daemon-hung', 'docker-host']);
  });

  it('docker-host collects every spec but lvs (dmsetup status has every pool, exact) with its canonical command', () => {
    const bySpec = Object.fromEntries((dockerHost?.steps ?? []).map((s) => [s.spec, s.command]));
    expect(Object.keys(bySpec).sort()).toEqual(SPEC_NAMES.filter((s) => s !== 'lvs').sort());
    const { lvs: _capacityOnly, ...canonical } = CANONICAL_COMMANDS;
    expect(bySpec).toEqual(canonical);
  });

  it('capacity collects only what capacity samples read, each with its canonical command', () => {
    const capacity = shipped.playbooks.get('capacity')?.playbook;
    const bySpec = Object.fromEntries((capacity?.steps ?? []).map((s) => [s.spec, s.command]));
    expect(Object.keys(bySpec).sort()).toEqual(['df', 'df_inodes', 'dmsetup_status', 'docker_info', 'docker_log_sizes', 'lvs', 'ps', 'uptime']);
    for (const [spec, command] of Object.entries(bySpec)) expect(command, spec).toBe(CANONICAL_COMMANDS[spec as keyof typeof CANONICAL_COMMANDS]);
  });

  it('every command template has a header comment saying its inputs, what it reads and its output', () => {
    for (const { file, playbook } of shipped.playbooks.values()) {
      const text = readFileSync(file, 'utf8');
      for (const step of playbook.steps) {
        const header = new RegExp(`# inputs: [^\\n]*\\| reads: [^\\n]*\\| output: [^\\n]*\\n\\s*- id: ${step.id}\\n`);
        expect(text, `${file} step ${step.id}`).toMatch(header);
      }
    }
  });

  it('the container playbook takes only a vetted container id', () => {
    const container = shipped.playbooks.get('container')?.playbook;
    expect(container?.params?.container).toMatchObject({ type: 'container_id', required: true });
    const used = new Set(container?.steps.flatMap((s) => placeholders(s.command).map((p) => p.name)));
    expect([...used]).toEqual(['container']);
  });

  it('finds a playbook by name and names the shipped ones when asked for another', () => {
    expect(findPlaybook(shipped, 'container').name).toBe('container');
    expect(() => findPlaybook(shipped, 'rm -rf /')).toThrow(PlaybookNotFoundError);
    expect(() => findPlaybook(shipped, 'rm -rf /')).toThrow('no playbook named "rm -rf /"; there are: capacity, container, docker-daemon-hung, docker-host');
  });

  it('refuses every hostile container id before a runner is even created', () => {
    const container = findPlaybook(shipped, 'container');
    let runnersCreated = 0;
    const startDiagnosis = (params: Record<string, string>) => {
      checkPlaybookParams(container, params);
      runnersCreated += 1;
    };
    for (const [, value] of HOSTILE_INPUTS) expect(() => startDiagnosis({ container: value })).toThrow(ParamError);
    expect(runnersCreated).toBe(0);
    startDiagnosis({ container: '812c82c5a7a5' });
    expect(runnersCreated).toBe(1);
  });

  it('container renders the id single-quoted into each step and skips inspect when docker ps fails', async () => {
    // given a host where no command answers (dockerd gone)
    const runner = new ReplayRunner(bundleFromRecord({}, { host: 'h' }));
    const container = findPlaybook(shipped, 'container');
    // when
    const bundle = await collectBundle({ runner, host: 'h', playbook: container, params: { container: '812c82c5a7a5' }, clock: fixedClock('2026-01-01T00:00:00Z') });
    // then
    expect(runner.commands).toContain("docker ps -a --no-trunc --filter id='812c82c5a7a5' --format '{{json .}}'");
    expect(runner.commands).toContain("dmesg | grep -F -B 5 -A 30 -e '812c82c5a7a5' | tail -n 2000");
    expect(runner.commands.some((c) => c.startsWith('docker inspect'))).toBe(false);
    expect(runner.commands.filter((c) => c.includes('812c82c5a7a5'))).toHaveLength(6);
    expect(runner.commands.find((c) => c.includes('sickbay_memory_cgroups'))?.split('\n').at(-1)).toBe("sickbay_memory_cgroups '812c82c5a7a5'");
    expect(Object.keys(bundle.meta.steps ?? {})).not.toContain('docker_inspect');
    expect(bundle.meta.steps?.docker_ps).toMatchObject({ exit: 127 });
  });

  it('playbooks/playbook.schema.json is what the zod schema emits (regenerate with `sickbay playbook schema`)', () => {
    const committed = JSON.parse(readFileSync('playbooks/playbook.schema.json', 'utf8')) as unknown;
    expect(committed).toEqual(playbookJsonSchema());
  });

  it.each(incidentBundles().map((b) => [b.name, b] as const))(
    'docker-host replayed on %s collects the recorded evidence, round-trips it to disk and analyses it the same',
    async (_name, incident) => {
      // given a host that answers canonical commands as the incident's host did
      const recorded = await readBundle(incident.dir);
      const clock = fixedClock(recorded.meta.collected_at ?? '2026-01-01T00:00:00Z');
      // when docker-host collects from it and the bundle is written and read back
      const bundle = await collectBundle({ runner: new ReplayRunner(recorded), host: recorded.meta.host ?? 'h', playbook: dockerHost!, clock });
      const dir = join(mkdtempSync(join(tmpdir(), 'replay-')), 'bundle');
      await writeBundle(dir, bundle);
      const reread = await readBundle(dir);
      // then every recorded spec came back byte for byte, timeouts included
      for (const [spec, text] of recorded.files) expect(reread.files.get(spec), spec).toBe(text);
      for (const [spec, step] of Object.entries(recorded.meta.steps ?? {})) {
        expect(reread.meta.steps?.[spec]?.timed_out ?? false, spec).toBe(step.timed_out ?? false);
      }
      // and the analysis sees the same incident
      const codes = (b: typeof reread) => analyze(b, { now: clock.now() }).findings.map((f) => f.code);
      expect(codes(reread)).toEqual(codes(recorded));
    },
  );
});
