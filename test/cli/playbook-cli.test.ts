import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { captureIo } from '../helpers/capture-io.js';

describe('sickbay playbook lint', () => {
  it('prints OK for each shipped playbook and exits 0 when given no path', async () => {
    const io = captureIo();
    expect(await runCli(['playbook', 'lint'], io)).toBe(0);
    expect(io.stdout).toMatch(/^OK .*docker-host\.yml$/m);
    expect(io.stdout).toMatch(/^OK .*container\.yml$/m);
    expect(io.stderr).toBe('');
  });

  it('prints file:line:col errors for a broken playbook and exits 2, still checking the others', async () => {
    const io = captureIo();
    const code = await runCli(['playbook', 'lint', 'test/fixtures/playbooks/step-timeout-not-a-duration.yml', 'playbooks/container.yml'], io);
    expect(code).toBe(2);
    expect(io.stdout).toBe('OK playbooks/container.yml\n');
    expect(io.stderr).toContain('test/fixtures/playbooks/step-timeout-not-a-duration.yml:11:14: steps[1].timeout: expected a duration like "10s"');
    expect(io.stderr).toContain('1 of 2 playbook(s) have errors');
  });

  it('lints every playbook in a directory and counts the broken ones', async () => {
    const io = captureIo();
    expect(await runCli(['playbook', 'lint', 'test/fixtures/playbooks'], io)).toBe(2);
    expect(io.stdout).toBe('');
    expect(io.stderr).toMatch(/22 of 22 playbook\(s\) have errors/);
  });

  it('exits 2 naming a path that does not exist', async () => {
    const io = captureIo();
    expect(await runCli(['playbook', 'lint', '/no/such/playbook.yml'], io)).toBe(2);
    expect(io.stderr).toContain('/no/such/playbook.yml');
  });
});
