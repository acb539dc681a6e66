import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { captureIo } from '../helpers/capture-io.js';
import { INCIDENTS_DIR } from '../helpers/fixtures.js';

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
});
