import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, symlinkSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { captureIo } from '../helpers/capture-io.js';
import { INCIDENTS_DIR } from '../helpers/fixtures.js';
import { ensureBuilt, REPO } from '../helpers/processes.js';
import { HOSTILE_TEXT, RAW_CONTROL } from '../helpers/hostile-text.js';

const made: string[] = [];
/** A temporary directory removed after the suite. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

describe('sickbay analyze', () => {
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the JSON report shape for a bundle and exits 0', async () => {
    const io = captureIo();
    const code = await runCli(['analyze', join(INCIDENTS_DIR, 'mesos-java-oom-137'), '--json'], io);
    expect(code).toBe(0);
    const report = JSON.parse(io.stdout) as { host: string; findings: unknown[]; root_cause: unknown };
    expect(report.host).toBe('test-a3-60-17');
    expect(Array.isArray(report.findings)).toBe(true);
    expect(report).toHaveProperty('root_cause');
  });

  it('exits 2 with a one-line reason when the directory does not exist', async () => {
    const io = captureIo();
    const code = await runCli(['analyze', '/no/such/bundle'], io);
    expect(code).toBe(2);
    expect(io.stderr.trim().split('\n')).toHaveLength(1);
    expect(io.stderr).toContain('/no/such/bundle');
  });

  it('exits 2 naming meta.json when it is malformed', async () => {
    const dir = tempDir('sickbay-bad-meta-');
    writeFileSync(join(dir, 'meta.json'), '{"host": ');
    const io = captureIo();
    expect(await runCli(['analyze', dir], io)).toBe(2);
    expect(io.stderr).toMatch(/meta\.json is malformed/);
  });

  it('exits 2 when meta.json has a field of the wrong type', async () => {
    const dir = tempDir('sickbay-bad-meta-');
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ steps: { dmesg: { exit: 'zero' } } }));
    const io = captureIo();
    expect(await runCli(['analyze', dir], io)).toBe(2);
    expect(io.stderr).toMatch(/steps\.dmesg\.exit/);
  });

  it('reads an extracted sosreport, mapping its files to specs', async () => {
    const root = tempDir('sosreport-');
    mkdirSync(join(root, 'sos_commands/docker'), { recursive: true });
    mkdirSync(join(root, 'sos_commands/kernel'), { recursive: true });
    mkdirSync(join(root, 'var/log'), { recursive: true });
    writeFileSync(join(root, 'hostname'), 'sos-host-1\n');
    writeFileSync(join(root, 'sos_commands/kernel/dmesg'), '[ 1.0] unregister_netdevice: waiting for veth1 to become free. Usage count = 1\n');
    writeFileSync(join(root, 'var/log/messages'), '');
    const io = captureIo();
    expect(await runCli(['analyze', root, '--json'], io)).toBe(0);
    expect((JSON.parse(io.stdout) as { host: string }).host).toBe('sos-host-1');
  });

  it('exits 2 with one line per refused file, naming it and why, and never quotes a file outside the bundle', async () => {
    const outside = tempDir('sickbay-outside-');
    writeFileSync(join(outside, 'shadow'), 'root:$6$SECRETHASH$:19000:0:99999:7:::\n');
    const dir = tempDir('sickbay-link-out-');
    symlinkSync(join(outside, 'shadow'), join(dir, 'dmesg'));
    symlinkSync('/etc/hostname', join(dir, 'uname'));
    writeFileSync(join(dir, 'uptime'), ' 11:31:08 up 28 days,  3:45,  1 user,  load average: 3.12, 4.87, 6.02\n');
    const io = captureIo();
    expect(await runCli(['analyze', dir], io)).toBe(2);
    expect(io.stdout).toBe('');
    expect(io.stderr).toBe(
      `sickbay: not reading ${join(dir, 'dmesg')}: it links to ${join(outside, 'shadow')}, outside the bundle\n` +
        `not reading ${join(dir, 'uname')}: it links to /etc/hostname, outside the bundle\n`,
    );
  });

  it('exits 2 at once on a FIFO in the bundle instead of waiting for a writer forever', () => {
    ensureBuilt();
    const dir = tempDir('sickbay-fifo-');
    spawnSync('mkfifo', [join(dir, 'messages')]);
    // A child process, killed by the guard if it blocks: a regression fails instead of hanging the suite.
    const run = spawnSync(process.execPath, [join(REPO, 'bin/sickbay'), 'analyze', dir], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`sickbay: not reading ${join(dir, 'messages')}: it is a FIFO, not a regular file\n`);
  });

  it('reads the tail of a 2 GiB log up to --max-file-mib and says so in the report, exit 0', async () => {
    const dir = tempDir('sickbay-huge-');
    writeFileSync(join(dir, 'dmesg'), '');
    truncateSync(join(dir, 'dmesg'), 2 * 1024 ** 3); // sparse: no disk used
    const io = captureIo();
    expect(await runCli(['analyze', dir, '--max-file-mib', '1'], io)).toBe(0);
    expect(io.stderr).toBe('');
    expect(io.stdout).toContain('dmesg (its first 2047 MiB not read: over the read cap)');
  });

  it('exits 2 on a --max-file-mib out of range', async () => {
    const io = captureIo();
    expect(await runCli(['analyze', join(INCIDENTS_DIR, 'mesos-java-oom-137'), '--max-file-mib', '0'], io)).toBe(2);
    expect(io.stderr).toBe('sickbay: --max-file-mib must be a whole number from 1 to 256, not "0"\n');
  });

  describe('with a host that printed terminal escapes', () => {
    const hostile = () => {
      const dir = tempDir('sickbay-escapes-');
      const line = `[ 1.0] unregister_netdevice: waiting for veth1 to become free. Usage count = 1 ${HOSTILE_TEXT.split('\n')[0]}`;
      writeFileSync(join(dir, 'dmesg'), `${line}\n`);
      writeFileSync(join(dir, 'meta.json'), JSON.stringify({ host: 'web-1\x1b]0;owned\x07', collected_at: '\x1b[2J2026' }));
      return { dir, line };
    };

    it('prints them visibly in the terminal report, never raw', async () => {
      const io = captureIo();
      io.colour = true;
      expect(await runCli(['analyze', hostile().dir], io)).toBe(0);
      const withoutOwnColours = io.stdout.replace(/\x1b\[(?:1;31|33|36|1|2|0)m/g, '');
      expect(withoutOwnColours.split('\n').filter((l) => RAW_CONTROL.test(l))).toEqual([]);
      expect(io.stdout).toContain('== web-1␛]0;owned␇');
      expect(io.stdout).toContain('Usage count = 1 pwn ␛]0;owned␇ ␛[31mred␛[0m \ufffd2J clear');
    });

    it('keeps them exact but escaped in JSON', async () => {
      const { dir, line } = hostile();
      const io = captureIo();
      expect(await runCli(['analyze', dir, '--json'], io)).toBe(0);
      expect(io.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
      const report = JSON.parse(io.stdout) as { host: string; findings: { evidence: { text: string }[] }[] };
      expect(report.host).toBe('web-1\x1b]0;owned\x07');
      expect(report.findings[0]?.evidence[0]?.text).toBe(line);
    });

    it('prints a refusal naming a file whose name holds escapes visibly', async () => {
      const outside = tempDir('sickbay-outside-');
      const name = join(outside, 'x\x1b]0;owned\x07\u009b2J');
      writeFileSync(name, 'secret\n');
      const dir = tempDir('sickbay-escape-link-');
      symlinkSync(name, join(dir, 'dmesg'));
      const io = captureIo();
      expect(await runCli(['analyze', dir], io)).toBe(2);
      expect(io.stderr).not.toMatch(RAW_CONTROL);
      expect(io.stderr).toContain('x␛]0;owned␇\ufffd2J, outside the bundle');
    });
  });
});
