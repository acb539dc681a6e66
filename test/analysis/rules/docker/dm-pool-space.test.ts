import { describe, expect, it } from 'vitest';
import { dmPoolSpaceRule } from '../../../../src/analysis/rules/docker/dm-pool-space.js';
import { dmOvercommitRule } from '../../../../src/analysis/rules/docker/dm-overcommit.js';
import { factsFrom, run } from './rule-harness.js';

const info = (used: string, total: string, available?: string): string =>
  `Storage Driver: devicemapper\n Pool Name: docker-thinpool\n Data Space Used: ${used}\n Data Space Total: ${total}\n${available ? ` Data Space Available: ${available}\n` : ''} Metadata Space Used: 10 MB\n Metadata Space Total: 2 GB\n`;

describe('devicemapper pool space', () => {
  it('raises DM_POOL_DATA_FULL with the figures in the title and the info lines as evidence', () => {
    const [f] = run(dmPoolSpaceRule, factsFrom({ docker_info: info('1.677 TB', '1.677 TB') }));
    expect(f?.code).toBe('DM_POOL_DATA_FULL');
    expect(f?.title).toBe('devicemapper pool 1.677 TB of 1.677 TB used (100 %)');
    expect(f?.evidence.map((e) => e.line)).toEqual([3, 4]);
    // an LVM thin pool (dm.thinpooldev): its volume is extended, no loop file is sized
    expect(f?.fixes.flatMap((x) => x.commands ?? [])).toContain('lvextend -l +100%FREE docker/thinpool');
    expect(f?.fixes.flatMap((x) => x.daemon_options ?? []).filter((o) => o.includes('loopdatasize'))).toEqual([]);
  });

  it('calls a half-used pool full when less than the minimum is available', () => {
    const [f] = run(dmPoolSpaceRule, factsFrom({ docker_info: info('48.21 GB', '107.4 GB', '140.5 MB') }));
    expect(f?.code).toBe('DM_POOL_DATA_FULL');
    expect(f?.title).toBe('devicemapper pool 48.21 GB of 107.4 GB used (45 %), 140.5 MB available');
  });

  it('says a half-used loop-lvm pool is full because the filesystem under its loop file is, and quotes that file', () => {
    const loop = `${info('48.21 GB', '107.4 GB', '140.5 MB')} Data loop file: /var/lib/docker/devicemapper/devicemapper/data\n`;
    const [f] = run(dmPoolSpaceRule, factsFrom({ docker_info: loop }));
    expect(f?.title).toBe(
      'devicemapper pool has only 140.5 MB available, with 48.21 GB of 107.4 GB used (45 %): the filesystem under its loop file /var/lib/docker/devicemapper/devicemapper/data has no room left',
    );
    expect(f?.evidence.map((e) => e.text.trim())).toContain('Data loop file: /var/lib/docker/devicemapper/devicemapper/data');
    // a nearly full pool on loop files is full of its own data: the plain figures say so
    const [own] = run(dmPoolSpaceRule, factsFrom({ docker_info: `${info('107.2 GB', '107.4 GB', '140.5 MB')} Data loop file: /d/data\n` }));
    expect(own?.title).toBe('devicemapper pool 107.2 GB of 107.4 GB used (100 %), 140.5 MB available');
  });

  it('raises DM_POOL_DATA_FULL from dockerd\'s "Thin Pool has N free data blocks" when docker info hung', () => {
    const facts = factsFrom({});
    const line = { spec: 'journal_docker' as const, line: 20, text: 'devmapper: Thin Pool has 1187 free data blocks which is less than minimum required 163840 free data blocks.' };
    facts.dockerd.thinPoolLowSpace.push({ freeBlocks: 1187, line });
    const [f] = run(dmPoolSpaceRule, facts);
    expect(f?.code).toBe('DM_POOL_DATA_FULL');
    expect(f?.title).toContain('1187 free data blocks');
    expect(f?.evidence).toEqual([{ spec: 'journal_docker', line: 20, text: line.text }]);
  });

  it('takes the high and full percentages from the thresholds', () => {
    const facts = factsFrom({ docker_info: info('85 GB', '100 GB', '15 GB') });
    expect(run(dmPoolSpaceRule, facts).map((f) => f.code)).toEqual(['DM_POOL_DATA_HIGH']);
    expect(run(dmPoolSpaceRule, facts, { dmPoolHighPct: 90 })).toEqual([]);
    expect(run(dmPoolSpaceRule, facts, { dmPoolFullPct: 85 }).map((f) => f.code)).toEqual(['DM_POOL_DATA_FULL']);
  });
});

describe('devicemapper pool space when docker info gives no figures: dmsetup status and lvs', () => {
  // 64 KiB blocks: 100 GiB of data (1638400 blocks), 2 GiB of metadata (524288 blocks of 4 KiB)
  const status = (dataUsed: number, metaUsed = 179, mode = 'rw'): string =>
    `docker-253:0-278707-base: 0 20971520 thin 596992 20971519\ndocker-253:0-278707-pool: 0 209715200 thin-pool 1 ${metaUsed}/524288 ${dataUsed}/1638400 - ${mode} discard_passdown queue_if_no_space - 1024\n`;
  const hung = { steps: { docker_info: { exit: null, timed_out: true, duration_ms: 10000 } } };

  it("raises DM_POOL_DATA_FULL from the kernel's block counts while the daemon hangs, quoting the pool's line", () => {
    const [f, ...rest] = run(dmPoolSpaceRule, factsFrom({ dmsetup_status: status(1572864) }, hung));
    expect(rest).toEqual([]);
    expect(f?.code).toBe('DM_POOL_DATA_FULL');
    expect(f?.title).toBe('devicemapper thin pool docker-253:0-278707-pool data 103.1 GB of 107.4 GB used (96 %), from dmsetup status');
    expect(f?.evidence).toEqual([{ spec: 'dmsetup_status', line: 2, text: status(1572864).split('\n')[1] }]);
    expect(f?.subject).toBe('docker-253:0-278707-pool');
    expect(f?.data).toMatchObject({ pool: 'docker-253:0-278707-pool', source: 'dmsetup', used_pct: 96 });
  });

  it('says when the kernel switched the pool to out-of-data-space mode, and warns at the high mark', () => {
    expect(run(dmPoolSpaceRule, factsFrom({ dmsetup_status: status(1000000, 179, 'out_of_data_space') }))[0]?.title).toMatch(/\(61 %\), from dmsetup status: the kernel switched it to out-of-data-space mode$/);
    const [high] = run(dmPoolSpaceRule, factsFrom({ dmsetup_status: status(1392640) }));
    expect([high?.code, high?.title]).toEqual(['DM_POOL_DATA_HIGH', 'devicemapper thin pool docker-253:0-278707-pool data 91.27 GB of 107.4 GB used (85 %), from dmsetup status']);
    expect(run(dmPoolSpaceRule, factsFrom({ dmsetup_status: status(4664) }))).toEqual([]);
  });

  it('raises DM_POOL_METADATA_FULL from the metadata blocks', () => {
    const [f] = run(dmPoolSpaceRule, factsFrom({ dmsetup_status: status(4664, 520000) }));
    expect(f?.code).toBe('DM_POOL_METADATA_FULL');
    expect(f?.title).toBe('devicemapper thin pool docker-253:0-278707-pool metadata 2.13 GB of 2.147 GB used (99 %), from dmsetup status');
  });

  it("takes LVM's Data% when only lvs lists the pool (docker/for-linux#731)", () => {
    const lvs = '  thinpool         vgpaas twi-aot-D- 80.00g             100.00 0.12                            \n';
    const [f] = run(dmPoolSpaceRule, factsFrom({ lvs }));
    expect(f?.code).toBe('DM_POOL_DATA_FULL');
    expect(f?.title).toBe('devicemapper thin pool vgpaas-thinpool data 85.9 GB of 85.9 GB used (100 %), from lvs');
    expect(f?.evidence.map((e) => e.spec)).toEqual(['lvs']);
  });

  it("keeps docker info's figures when the daemon answered, and leaves a pool alone on a host whose driver is another", () => {
    const [f] = run(dmPoolSpaceRule, factsFrom({ docker_info: info('1.677 TB', '1.677 TB'), dmsetup_status: status(4664) }));
    expect(f?.title).toBe('devicemapper pool 1.677 TB of 1.677 TB used (100 %)');
    expect(run(dmPoolSpaceRule, factsFrom({ docker_info: 'Storage Driver: overlay2\n', dmsetup_status: status(1638400) }))).toEqual([]);
  });

  it('picks the pool docker info names, or the only docker- one among several', () => {
    const two = `${status(1638400)}vms-pool: 0 104857600 thin-pool 441 697/2048 102400/102400 - rw no_discard_passdown queue_if_no_space -\n`;
    expect(run(dmPoolSpaceRule, factsFrom({ dmsetup_status: two })).map((f) => f.subject)).toEqual(['docker-253:0-278707-pool']);
    const named = 'Storage Driver: devicemapper\n Pool Name: vms-pool\n';
    expect(run(dmPoolSpaceRule, factsFrom({ docker_info: named, dmsetup_status: two })).map((f) => f.subject)).toEqual(['vms-pool']);
  });
});

describe('devicemapper over-commit', () => {
  it("falls back to Docker's 10 GB default base size and says so", () => {
    const facts = factsFrom({ docker_info: `Containers: 12\n${info('1 GB', '100 GB', '99 GB')}` });
    const [f] = run(dmOvercommitRule, facts);
    expect(f?.code).toBe('DM_OVERCOMMIT');
    expect(f?.title).toContain("assumed Docker's 10 GB default");
    expect(f?.data?.promised_bytes).toBe(12 * 2 ** 30 * 10);
  });

  it('does not raise while containers × base size fits the pool', () => {
    expect(run(dmOvercommitRule, factsFrom({ docker_info: `Containers: 9\n${info('1 GB', '100 GB', '99 GB')}` }))).toEqual([]);
  });

  it("calls the pool full once less than docker info's minimum free space is left, whatever the percentage", () => {
    const docker_info = `${info('390.6MB', '107.4GB', '3.965GB')} Thin Pool Minimum Free Space: 10.74GB\n`;
    const [f] = run(dmPoolSpaceRule, factsFrom({ docker_info }));
    expect(f?.code).toBe('DM_POOL_DATA_FULL');
    expect(f?.title).toContain('under the 10.74 GB minimum free space: dockerd refuses new containers and images');
  });

  it("takes the fill level from LVM dmeventd's warnings when docker info has no figures", () => {
    const messages = (pct: string, space = 'data') => `Mar 12 11:04:24 h lvm[18416]: WARNING: Thin pool vg-docker--pool ${space} is now ${pct}% full.\n`;
    const high = run(dmPoolSpaceRule, factsFrom({ messages: messages('81.40') + messages('92.42') }));
    expect(high.map((f) => [f.code, f.title, f.evidence.length])).toEqual([['DM_POOL_DATA_HIGH', "devicemapper thin pool vg-docker--pool data 92 % full (LVM's dmeventd)", 2]]);
    expect(run(dmPoolSpaceRule, factsFrom({ messages: messages('96.00') })).map((f) => f.code)).toEqual(['DM_POOL_DATA_FULL']);
    expect(run(dmPoolSpaceRule, factsFrom({ messages: messages('97.00', 'metadata') })).map((f) => f.code)).toEqual(['DM_POOL_METADATA_FULL']);
    expect(run(dmPoolSpaceRule, factsFrom({ messages: messages('70.00') }))).toEqual([]);
    // On an overlay2 host a filling thin pool belongs to someone else.
    expect(run(dmPoolSpaceRule, factsFrom({ messages: messages('92.42'), docker_info: 'Storage Driver: overlay2\n' }))).toEqual([]);
  });
});
