import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/domain/index.js';
import { parseDiagCommand } from '../../src/slack/index.js';

describe('parseDiagCommand', () => {
  it('reads a host, a host with a playbook, a tag, help and status', () => {
    expect(parseDiagCommand(' host-a3-60-17 ')).toEqual({ kind: 'host', host: 'host-a3-60-17' });
    expect(parseDiagCommand('host-a3-60-17 docker-host')).toEqual({ kind: 'host', host: 'host-a3-60-17', playbook: 'docker-host' });
    expect(parseDiagCommand('tag:mesos')).toEqual({ kind: 'tag', tag: 'mesos' });
    expect(parseDiagCommand('')).toEqual({ kind: 'help' });
    expect(parseDiagCommand('help')).toEqual({ kind: 'help' });
    expect(parseDiagCommand('status')).toEqual({ kind: 'status' });
  });

  it('reads /diag forecast of a host or a tag, and refuses it without one or with a bad one', () => {
    expect(parseDiagCommand('forecast host-a3-60-17')).toEqual({ kind: 'forecast', target: 'host-a3-60-17' });
    expect(parseDiagCommand('forecast tag:Mesos')).toEqual({ kind: 'forecast', target: 'tag:mesos' });
    for (const text of ['forecast', 'forecast host;id', 'forecast tag:x;y', 'forecast a b']) expect(() => parseDiagCommand(text), text).toThrow(InputError);
  });

  it('refuses anything that could reach a shell line, saying what a host name is', () => {
    for (const text of ['host;id', '$(reboot)', '-oProxyCommand=x', 'a/../b', 'tag:x;y', 'host `id`', 'host-1 ../etc']) {
      expect(() => parseDiagCommand(text), text).toThrow(InputError);
    }
    expect(() => parseDiagCommand('host;id')).toThrow(/is not a host name: a host name is letters, digits/);
  });
});
