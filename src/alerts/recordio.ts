/**
 * PURE: Mesos' RecordIO framing of streaming responses (apache/mesos docs/recordio.md):
 * `record = record-size LF record-data`, the size in decimal bytes. Proxies may split or merge
 * records across chunks anywhere, even inside the size; the parser keeps what it has not yet used.
 */
import { AlertStreamError } from './alerts-errors.js';

export class RecordIoParser {
  private buffer: Buffer = Buffer.alloc(0);
  private expected: number | undefined;
  /** Set once a record or size line goes past the limit; the caller drops the connection. */
  failure: AlertStreamError | undefined;

  constructor(private readonly maxRecordBytes: number) {}

  /** The records completed by this chunk, in order. */
  push(chunk: Uint8Array): Buffer[] {
    if (this.failure) return [];
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const records: Buffer[] = [];
    for (;;) {
      if (this.expected === undefined) {
        const newline = this.buffer.indexOf(0x0a);
        if (newline < 0) {
          if (this.buffer.length > 20) return this.fail(`a RecordIO size line longer than 20 bytes (${this.buffer.subarray(0, 20).toString('latin1')}...)`, records);
          return records;
        }
        const size = this.buffer.subarray(0, newline).toString('latin1').trim();
        this.buffer = this.buffer.subarray(newline + 1);
        if (size === '') continue;
        if (!/^\d{1,15}$/.test(size)) return this.fail(`a RecordIO size that is not a number (${size.slice(0, 20)})`, records);
        this.expected = Number(size);
        if (this.expected > this.maxRecordBytes) return this.fail(`a RecordIO record of ${this.expected} bytes, over the ${this.maxRecordBytes}-byte limit`, records);
      }
      if (this.buffer.length < this.expected) return records;
      records.push(this.buffer.subarray(0, this.expected));
      this.buffer = this.buffer.subarray(this.expected);
      this.expected = undefined;
    }
  }

  private fail(why: string, records: Buffer[]): Buffer[] {
    this.failure = new AlertStreamError('alert_stream_event_too_large', `the Mesos event stream sent ${why}; dropped the connection`);
    this.buffer = Buffer.alloc(0);
    return records;
  }
}

/** `<length>\n<json>`: one record, as a Mesos master writes it. */
export function recordIo(json: string): string {
  return `${Buffer.byteLength(json)}\n${json}`;
}
