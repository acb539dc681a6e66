import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConnectLimiter, shellQuote, wrapRemoteCommand } from '../../src/ssh/index.js';

describe('remote command lines', () => {
  it('quotes any text so that sh sees it as one word, unchanged', () => {
    const nasty = `it's $(rm -rf /) \`id\` "x" \\ ; | & * \n end`;
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(nasty)}`], { encoding: 'utf8' })).toBe(nasty);
  });

  it('wraps a command in timeout -s KILL with a deadline past the local one, and sudo -n when asked', () => {
    expect(wrapRemoteCommand('docker inspect $(docker ps -aq)', { timeoutMs: 10_000 })).toBe(`timeout -s KILL 11 sh -c 'docker inspect $(docker ps -aq)'`);
    expect(wrapRemoteCommand('dmesg', { timeoutMs: 1_500, sudo: true })).toBe('sudo -n timeout -s KILL 3 dmesg');
  });

  it('lets timeout start a plain program itself, and everything else through sh -c', () => {
    const wrap = (command: string) => wrapRemoteCommand(command, { timeoutMs: 5_000 });
    // plain words and single-quoted ones: one process start fewer on the host
    expect(wrap(`docker ps -a --no-trunc --format '{{json .}}'`)).toBe(`timeout -s KILL 6 docker ps -a --no-trunc --format '{{json .}}'`);
    expect(wrap('ps -eo pid,stat,etimes,wchan:32,args')).toBe('timeout -s KILL 6 ps -eo pid,stat,etimes,wchan:32,args');
    // shell syntax, expansions, builtins, an assignment first, a line break, a ! (csh history) or a
    // character a login shell other than sh could read differently: through sh -c, quoted
    for (const command of [
      'cat /proc/uptime 2>/dev/null; uptime',
      'du -sb /var/lib/docker/containers/*/*-json.log',
      'echo $HOME',
      'cd /tmp',
      'LC_ALL=C df -P',
      'ls ~',
      "printf 'a\nb'",
      "echo 'x!y'",
      "printf '%s\\\\n' a",
      'echo {a,b}',
      'echo %1',
      'echo a#b',
      'dmesg\nid',
    ]) {
      expect(wrap(command), command).toBe(`timeout -s KILL 6 sh -c ${shellQuote(command)}`);
    }
  });

  // sshd hands a channel's line to the user's login shell: a plain command must mean the same to each
  it.each(['sh', 'bash', 'zsh', 'tcsh', 'csh', 'fish'])('gives a plain command the same words through %s', (shell) => {
    const line = wrapRemoteCommand(`printf '<%s>' a 'b  c' '{{json .}}' x:y,z=1 '$HOME' 'a;b|c&d' -o=pid,args`, { timeoutMs: 5_000 });
    expect(line).not.toContain('sh -c');
    expect(execFileSync(shell, ['-c', line], { encoding: 'utf8' })).toBe('<a><b  c><{{json .}}><x:y,z=1><$HOME><a;b|c&d><-o=pid,args>');
  });

  it('runs the wrapped line as the original command', () => {
    const line = wrapRemoteCommand(`printf '%s|' "a b" 'c'; exit 4`, { timeoutMs: 5_000 });
    let out = '';
    let code = 0;
    try {
      out = execFileSync('sh', ['-c', line], { encoding: 'utf8' });
    } catch (err) {
      const e = err as { stdout: string; status: number };
      out = e.stdout;
      code = e.status;
    }
    expect({ out, code }).toEqual({ out: 'a b|c|', code: 4 });
  });
});

describe('ConnectLimiter', () => {
  it('never sets up more than 8 connections at once to one endpoint, and respects the global bound', async () => {
    const limiter = new ConnectLimiter({ perHost: 20, global: 10 });
    const active = new Map<string, number>();
    const most = new Map<string, number>();
    let total = 0;
    let mostTotal = 0;
    const fakeConnect = async (endpoint: string) => {
      active.set(endpoint, (active.get(endpoint) ?? 0) + 1);
      total += 1;
      most.set(endpoint, Math.max(most.get(endpoint) ?? 0, active.get(endpoint) ?? 0));
      mostTotal = Math.max(mostTotal, total);
      await new Promise((r) => setImmediate(r));
      active.set(endpoint, (active.get(endpoint) ?? 0) - 1);
      total -= 1;
    };
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const endpoint = i % 3 === 0 ? 'bastion:22' : `host-${i}:22`;
        return limiter.run(endpoint, () => fakeConnect(endpoint));
      }),
    );
    expect(most.get('bastion:22')).toBe(8);
    expect(mostTotal).toBe(10);
  });
});
