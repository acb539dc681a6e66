import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/index.js';
import { buildFacts } from '../../src/analysis/facts/index.js';
import type { CommandResult, CommandRunner, RunOptions } from '../../src/domain/index.js';
import { fixedClock } from '../../src/domain/index.js';
import { collectBundle, loadPlaybooks } from '../../src/playbooks/index.js';
import { LocalRunner } from '../helpers/local-runner.js';

const shipped = await loadPlaybooks('playbooks');
const dockerHost = shipped.playbooks.get('docker-host')?.playbook;
const step = dockerHost?.steps.find((s) => s.spec === 'blocked_threads');
const work = mkdtempSync(join('/var/tmp', 'sickbay-blocked-threads-'));
// a host whose ps is BusyBox's: ps on PATH is the busybox binary (its applet is chosen by argv[0])
const busyboxBin = join(work, 'bin');
mkdirSync(busyboxBin);
symlinkSync('/bin/busybox', join(busyboxBin, 'ps'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** This machine's shell with another PATH first: the step's own command line, as the playbook has it. */
class PathRunner implements CommandRunner {
  readonly host = 'localhost';
  private readonly local = new LocalRunner();
  constructor(private readonly pathFirst?: string) {}
  run(command: string, options: RunOptions): Promise<CommandResult> {
    return this.local.run(this.pathFirst ? `PATH=${this.pathFirst}:$PATH; export PATH\n${command}` : command, options);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function collectWith(runner: CommandRunner) {
  if (!dockerHost || !step) throw new Error('docker-host has no blocked_threads step');
  const clock = fixedClock('2026-12-06T12:00:00Z');
  return collectBundle({ runner, host: 'localhost', playbook: { ...dockerHost, steps: [step] }, clock });
}

describe("docker-host's blocked_threads step, run for real", () => {
  it("lists procps ps's header and only the threads in D, exit 0, and the analysis reads it", async () => {
    const bundle = await collectWith(new PathRunner());
    expect(bundle.meta.steps?.['blocked_threads']?.exit).toBe(0);
    expect(bundle.files.get('blocked_threads')?.split('\n')[0]).toMatch(/^\s*PID\s+LWP\s+STAT\s+WCHAN\s+COMMAND$/);
    expect(buildFacts(bundle).system.blockedThreads).toBeInstanceOf(Array);
    expect(analyze(bundle, { now: new Date('2026-12-06T12:00:00Z') }).gaps ?? []).toEqual([]);
  });

  it("fails where ps has no -L (BusyBox), and the report says so under 'Not seen' in the host's words", async () => {
    const bundle = await collectWith(new PathRunner(busyboxBin));
    expect(bundle.meta.steps?.['blocked_threads']?.exit).toBe(1);
    expect(bundle.files.get('blocked_threads')).toBe('');
    // unknown, not "nothing is blocked"
    expect(buildFacts(bundle).system.blockedThreads).toBeUndefined();
    const gaps = analyze(bundle, { now: new Date('2026-12-06T12:00:00Z') }).gaps ?? [];
    expect(gaps.map((g) => g.spec)).toEqual(['blocked_threads']);
    // glibc's getopt says "invalid option -- 'L'", musl's "unrecognized option: L"
    expect(gaps[0]?.reason).toMatch(/^exit 1: ps: (?:invalid option -- 'L'|unrecognized option: L)$/);
  });
});
