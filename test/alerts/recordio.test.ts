import { describe, expect, it } from 'vitest';
import { RecordIoParser, recordIo } from '../../src/alerts/index.js';
import { jsonDeeperThan } from '../../src/alerts/index.js';

// The example stream of apache/mesos docs/recordio.md: a SUBSCRIBED event, then a HEARTBEAT.
const SUBSCRIBED = '{"type": "SUBSCRIBED","subscribed": {"framework_id": {"value":"12220-3440-12532-2345"},"heartbeat_interval_seconds":15.0}}';
const HEARTBEAT = '{"type":"HEARTBEAT"}';
const STREAM = Buffer.from(recordIo(SUBSCRIBED) + recordIo(HEARTBEAT) + recordIo('{"type":"TASK_UPDATED","note":"ü"}'));

describe('Mesos RecordIO framing', () => {
  it('yields the same records wherever the stream is split, even inside a size or a multi-byte character', () => {
    for (let cut = 1; cut < STREAM.length; cut += 1) {
      const parser = new RecordIoParser(1024);
      const records = [...parser.push(STREAM.subarray(0, cut)), ...parser.push(STREAM.subarray(cut))].map((r) => r.toString('utf8'));
      expect(records).toEqual([SUBSCRIBED, HEARTBEAT, '{"type":"TASK_UPDATED","note":"ü"}']);
    }
  });

  it('yields the same records byte by byte', () => {
    const parser = new RecordIoParser(1024);
    const records: string[] = [];
    for (const byte of STREAM) records.push(...parser.push(Uint8Array.of(byte)).map((r) => r.toString('utf8')));
    expect(records).toHaveLength(3);
  });

  it('fails on a record over the limit and on a size that is not a number, without buffering more', () => {
    const big = new RecordIoParser(16);
    expect(big.push(Buffer.from(recordIo(SUBSCRIBED)))).toEqual([]);
    expect(big.failure?.code).toBe('alert_stream_event_too_large');
    const garbage = new RecordIoParser(1024);
    garbage.push(Buffer.from('<html>\n'));
    expect(garbage.failure?.userMessage).toMatch(/size that is not a number \(<html>\)/);
    const endless = new RecordIoParser(1024);
    endless.push(Buffer.from('1'.repeat(40)));
    expect(endless.failure?.userMessage).toMatch(/size line longer than 20 bytes/);
  });
});

describe('JSON depth before parsing', () => {
  it('counts brackets outside strings only', () => {
    expect(jsonDeeperThan('{"a":[{"b":"[[[[[[[[[["}]}', 3)).toBe(false);
    expect(jsonDeeperThan('{"a":"\\"[[[["}', 1)).toBe(false);
    expect(jsonDeeperThan(`${'['.repeat(33)}${']'.repeat(33)}`, 32)).toBe(true);
    expect(jsonDeeperThan(`${'['.repeat(32)}${']'.repeat(32)}`, 32)).toBe(false);
  });
});
