/** PURE: incremental parser for server-sent events (the WHATWG event-stream format). */
import { AlertStreamError } from './alerts-errors.js';

export interface SseEvent {
  /** The `event:` field; "message" when absent. */
  event: string;
  data: string;
  id?: string;
}

export interface SseParserOptions {
  /**
   * The most the parser holds for one event: its data lines together, or one line not yet ended,
   * in characters of the decoded stream (bytes, for Marathon's ASCII JSON). @defaultValue DEFAULT_MAX_EVENT_BYTES
   */
  maxEventBytes?: number;
}

/**
 * 8 MiB. A status_update_event is about 1 KiB; the cap leaves room for the large deployment events
 * a Marathon that ignores `event_type` sends, and bounds what a stream without newlines can cost.
 */
export const DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024;

const LINE_END = /\r\n|\r|\n/g;

function size(bytes: number): string {
  return bytes % 1024 === 0 && bytes < 1024 * 1024 ? `${bytes / 1024} KiB` : `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) ? 1 : 0)} MiB`;
}

export class SseParser {
  private buffer = '';
  /** Offset in `buffer` before which there is no line end: each push searches only the new text. */
  private scanned = 0;
  private event = '';
  private data: string[] = [];
  private dataSize = 0;
  private id: string | undefined;
  private readonly max: number;
  /** Set when the stream passed the cap; the parser then takes nothing more and the connection is to be dropped. */
  failure: AlertStreamError | undefined;

  constructor(options: SseParserOptions = {}) {
    this.max = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  /** Feeds a chunk of the stream; returns the events it completed (before the cap, when it is passed: see `failure`). */
  push(chunk: string): SseEvent[] {
    if (this.failure) return [];
    this.buffer += chunk;
    const events: SseEvent[] = [];
    let start = 0;
    LINE_END.lastIndex = this.scanned;
    for (let match = LINE_END.exec(this.buffer); match; match = LINE_END.exec(this.buffer)) {
      // a lone "\r" at the end of a chunk may be the first half of "\r\n": wait for more
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
      const event = this.line(this.buffer.slice(start, match.index));
      if (this.failure) return events;
      if (event) events.push(event);
      start = match.index + match[0].length;
    }
    this.buffer = this.buffer.slice(start);
    this.scanned = this.buffer.endsWith('\r') ? this.buffer.length - 1 : this.buffer.length;
    if (this.buffer.length > this.max) this.fail();
    return events;
  }

  private fail(): void {
    this.failure = new AlertStreamError('alert_stream_event_too_large', `the event stream sent an event or line longer than ${size(this.max)}; dropped the connection`);
    this.buffer = '';
    this.data = [];
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return undefined;
      }
      const event: SseEvent = { event: this.event || 'message', data: this.data.join('\n') };
      if (this.id !== undefined) event.id = this.id;
      this.event = '';
      this.data = [];
      this.dataSize = 0;
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') {
      this.dataSize += value.length + 1;
      if (this.dataSize > this.max) this.fail();
      else this.data.push(value);
    } else if (field === 'id' && !value.includes('\0')) this.id = value;
    return undefined;
  }
}
