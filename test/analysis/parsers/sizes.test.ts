import { describe, expect, it } from 'vitest';
import { formatBytes, parseSize } from '../../../src/analysis/parsers/sizes.js';

describe('formatBytes, the one size formatter of finding titles', () => {
  it('quotes docker info figures in decimal units with four significant digits', () => {
    expect(formatBytes(1_677_000_000_000)).toBe('1.677 TB');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(parseSize('65.54 kB') ?? 0)).toBe('65.54 kB');
  });

  it('quotes kernel memory figures in binary units from KiB up, one decimal', () => {
    expect(formatBytes(4_194_304 * 1024, 'binary')).toBe('4.0 GiB');
    expect(formatBytes(512, 'binary')).toBe('0.5 KiB');
    expect(formatBytes(32 * 2 ** 20, 'binary')).toBe('32.0 MiB');
  });

  it('quotes a memory limit in the largest binary unit that holds it whole', () => {
    expect(formatBytes(4 * 2 ** 30, 'binary-whole')).toBe('4 GiB');
    expect(formatBytes(1536 * 2 ** 20, 'binary-whole')).toBe('1536 MiB');
  });
});
