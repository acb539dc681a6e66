import { describe, expect, it } from 'vitest';
import { CONTAINER_ENV_WHERE, daemonJsonOf, daemonJsonText, fixSettings, mergeFixes, UnknownDaemonOptionError, type Fix } from '../../src/domain/index.js';

describe('dockerd options in their daemon.json form', () => {
  it('maps each option to its key and shape, in both of dockerd\'s spellings', () => {
    expect(daemonJsonOf('--storage-driver=overlay2')).toEqual({ 'storage-driver': 'overlay2' });
    expect(daemonJsonOf('--storage-driver overlay2')).toEqual({ 'storage-driver': 'overlay2' });
    expect(daemonJsonOf('--storage-opt dm.fs=ext4 --storage-opt dm.loopdatasize=300G')).toEqual({ 'storage-opts': ['dm.fs=ext4', 'dm.loopdatasize=300G'] });
    expect(daemonJsonOf('--log-opt max-size=100m --log-opt max-file=3')).toEqual({ 'log-opts': { 'max-size': '100m', 'max-file': '3' } });
    expect(daemonJsonOf('--live-restore --data-root /srv/docker')).toEqual({ 'live-restore': true, 'data-root': '/srv/docker' });
  });

  it('keeps a placeholder the reader fills in as one value', () => {
    expect(daemonJsonOf('--storage-opt dm.loopdatasize=<containers × base size>')).toEqual({ 'storage-opts': ['dm.loopdatasize=<containers × base size>'] });
  });

  it('writes one line that parses back as JSON', () => {
    const text = daemonJsonText('--log-opt max-size=100m --log-opt max-file=3');
    expect(text).toBe('{ "log-opts": { "max-size": "100m", "max-file": "3" } }');
    expect(JSON.parse(text)).toEqual({ 'log-opts': { 'max-size': '100m', 'max-file': '3' } });
  });

  it('refuses what it has no daemon.json form for, and a command that is no option', () => {
    expect(() => daemonJsonOf('--iptables=false')).toThrow(UnknownDaemonOptionError);
    expect(() => daemonJsonOf('docker system prune')).toThrow(/no daemon.json form .*docker system prune/);
    expect(() => daemonJsonOf('--log-opt max-size')).toThrow(UnknownDaemonOptionError);
    expect(() => daemonJsonOf('--storage-opt')).toThrow(UnknownDaemonOptionError);
  });
});

describe("a container's variables, where they last", () => {
  it('says where a fix sets them, and keeps one fix per place when fixes merge', () => {
    const fix = (env: string, where?: string): Fix => ({ title: 'Bound the heap', container_env: [env], ...(where ? { env_where: where } : {}) });
    expect(fixSettings(fix('JAVA_TOOL_OPTIONS=-Xmx3072m'))).toEqual([{ where: CONTAINER_ENV_WHERE, text: 'JAVA_TOOL_OPTIONS=-Xmx3072m' }]);
    const marathonA = fix('JAVA_TOOL_OPTIONS=-Xmx3072m', 'the env of Marathon app /a');
    expect(fixSettings(marathonA)).toEqual([{ where: 'the env of Marathon app /a', text: 'JAVA_TOOL_OPTIONS=-Xmx3072m' }]);
    // two containers of one app: one fix; of two apps: one fix per app, each saying where
    expect(mergeFixes([marathonA, fix('JAVA_TOOL_OPTIONS=-Xmx3072m', 'the env of Marathon app /a')])).toHaveLength(1);
    const merged = mergeFixes([marathonA, fix('JAVA_TOOL_OPTIONS=-Xmx1536m', 'the env of Marathon app /b'), fix('JAVA_TOOL_OPTIONS=-Xmx768m')]);
    expect(merged.map((f) => [f.env_where, f.container_env])).toEqual([
      ['the env of Marathon app /a', ['JAVA_TOOL_OPTIONS=-Xmx3072m']],
      ['the env of Marathon app /b', ['JAVA_TOOL_OPTIONS=-Xmx1536m']],
      [undefined, ['JAVA_TOOL_OPTIONS=-Xmx768m']],
    ]);
  });
});
