import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshConnector } from '../../../src/diagnosis/index.js';
import type { SshTarget } from '../../../src/domain/index.js';
import { SshAuthFailedError } from '../../../src/ssh/index.js';
import { startSshd, type SshdHandle } from '../../helpers/sshd.js';

describe('connecting to hosts that authenticate through the SSH agent', () => {
  let work: string;
  let sshd: SshdHandle;
  let agentPid: number;
  let socket: string;
  let target: SshTarget;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sickbay-agent-test-'));
    sshd = await startSshd();
    socket = join(work, 'agent.sock');
    const out = execFileSync('ssh-agent', ['-a', socket, '-s'], { encoding: 'utf8' });
    agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)?.[1]);
    execFileSync('ssh-add', ['-q', sshd.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
    const knownHosts = join(work, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.hostKeyLine}\n`);
    // no identity file: the key is only in the agent
    target = { name: 'agent-host', address: '127.0.0.1', port: sshd.port, user: 'root', knownHostsFile: knownHosts };
  });

  afterAll(async () => {
    if (agentPid) process.kill(agentPid, 'SIGTERM');
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('uses SSH_AUTH_SOCK, the one connector that diagnoses, fixes and the intake all use', async () => {
    const runner = await sshConnector({ SSH_AUTH_SOCK: socket })(target);
    expect(await runner.run('echo via-agent', { timeoutMs: 10_000, maxBytes: 1024 })).toMatchObject({ stdout: 'via-agent\n', exit: 0 });
    await runner.close();
  });

  it('is refused with a clear auth error when no agent is given', async () => {
    await expect(sshConnector({})(target)).rejects.toBeInstanceOf(SshAuthFailedError);
  });
});
