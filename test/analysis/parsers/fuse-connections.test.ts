import { describe, expect, it } from 'vitest';
import { parseFuseConnections } from '../../../src/analysis/parsers/fuse-connections.js';

describe('parseFuseConnections', () => {
  it("reads grep -H's lines of fusectl's waiting counts, and nothing else", () => {
    const text = ['/sys/fs/fuse/connections/47/waiting:0', '/sys/fs/fuse/connections/52/waiting:7', 'grep: /sys/fs/fuse/connections/53/waiting: No such file or directory', '/sys/fs/fuse/connections/x/waiting:1', ''].join('\n');
    expect(parseFuseConnections(text)).toEqual([
      { connection: 47, waiting: 0, line: { spec: 'fuse_connections', line: 1, text: '/sys/fs/fuse/connections/47/waiting:0' } },
      { connection: 52, waiting: 7, line: { spec: 'fuse_connections', line: 2, text: '/sys/fs/fuse/connections/52/waiting:7' } },
    ]);
    expect(parseFuseConnections('')).toEqual([]);
  });
});
