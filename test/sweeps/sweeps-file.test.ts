import { describe, expect, it } from 'vitest';
import { jitterSeconds, parseSweeps, SweepsFileError } from '../../src/sweeps/index.js';

const FILE = 'sweeps.yml';

describe('the sweeps file', () => {
  it('applies the defaults to each sweep', () => {
    const config = parseSweeps(`defaults:\n  channel: C0CAPACITY\nsweeps:\n  - name: mesos\n    target: tag:mesos\n    cron: "*/15 * * * *"\n  - name: dc1\n    target: zone:dc1\n    cron: "0 * * * *"\n    channel: C0DC1\n`, FILE);
    expect(config.maxHostsPerZone).toBe(20);
    expect(config.sweeps).toEqual([
      { name: 'mesos', target: 'tag:mesos', cron: '*/15 * * * *', channel: 'C0CAPACITY', playbook: 'capacity', jitterSeconds: 60, retentionDays: 14, horizonsSeconds: [172_800, 21_600] },
      { name: 'dc1', target: 'zone:dc1', cron: '0 * * * *', channel: 'C0DC1', playbook: 'capacity', jitterSeconds: 60, retentionDays: 14, horizonsSeconds: [172_800, 21_600] },
    ]);
  });

  it('refuses a bad cron, a bad target, a sweep without a channel and a name used twice, each with its line', () => {
    const text = `sweeps:\n  - name: a\n    target: tag:Mesos!\n    cron: "every 15 minutes"\n  - name: a\n    target: host-1\n    cron: "*/5 * * * *"\n`;
    let error: unknown;
    try {
      parseSweeps(text, FILE);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SweepsFileError);
    const issues = (error as SweepsFileError).issues.map((i) => `${i.line}:${i.path}`);
    expect(issues).toEqual(expect.arrayContaining(['3:sweeps[0].target', '4:sweeps[0].cron', '5:sweeps[1].name']));
    expect((error as SweepsFileError).issues.some((i) => i.path.endsWith('channel') && /no channel/.test(i.message))).toBe(true);
  });

  it('refuses keys it does not know (a misspelt option is not silently ignored)', () => {
    expect(() => parseSweeps(`defaults:\n  channel: C0X\n  jiter_seconds: 5\nsweeps: []\n`, FILE)).toThrow(/jiter_seconds/);
  });
});

describe('jitter', () => {
  it('gives each host a fixed offset within the window, spread over it', () => {
    const offsets = Array.from({ length: 500 }, (_, i) => jitterSeconds('mesos', `host-${i}`, 120));
    expect(offsets.every((o) => o >= 0 && o <= 120)).toBe(true);
    expect(jitterSeconds('mesos', 'host-7', 120)).toBe(offsets[7]);
    // spread: every 20-second slice of the window holds some of the 500 hosts
    for (let slice = 0; slice < 6; slice++) expect(offsets.filter((o) => o >= slice * 20 && o < slice * 20 + 20).length).toBeGreaterThan(40);
    expect(jitterSeconds('mesos', 'host-7', 0)).toBe(0);
  });
});
