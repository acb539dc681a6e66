import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How the next connections misbehave, one entry each, before the stand-in streams normally again:
 * `no-headers` accepts the request and never answers; `silent` answers 200 and then sends nothing;
 * `endless-line` sends one line that never ends (up to ENDLESS_LIMIT bytes, then goes quiet);
 * `heartbeats` streams normally and writes a bare CRLF every 50 ms, as Jetty's EventSource does.
 */
export type Misbehaviour = 'no-headers' | 'silent' | 'endless-line' | 'heartbeats';
export const ENDLESS_LIMIT = 64 * 1024 * 1024;

/**
 * A local stand-in for Marathon's /v2/events: keeps every event it sent and replays them all to each new
 * connection (as a proxy with a replay buffer would), so a reconnecting client sees old events again.
 */
export class FakeMarathon {
  readonly sent: string[] = [];
  readonly clients = new Set<ServerResponse>();
  readonly requests: { url: string; accept: string | undefined }[] = [];
  failNext = 0;
  /** Misbehaviours of the next connections, in order. */
  readonly next: Misbehaviour[] = [];
  /** Bytes of each endless line written before the client hung up. */
  readonly endlessWritten: number[] = [];
  private readonly open = new Set<ServerResponse>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: Server = createServer((req, res) => {
    this.requests.push({ url: req.url ?? '', accept: req.headers.accept });
    this.open.add(res);
    res.on('close', () => this.open.delete(res));
    if (this.failNext > 0) {
      this.failNext -= 1;
      res.writeHead(503).end('Marathon is not the leader');
      return;
    }
    const misbehaviour = this.next.shift();
    if (misbehaviour === 'no-headers') return;
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.flushHeaders();
    if (misbehaviour === 'silent') return;
    if (misbehaviour === 'endless-line') return this.endless(res);
    if (misbehaviour === 'heartbeats') {
      const timer = setInterval(() => res.write('\r\n'), 50);
      this.timers.add(timer);
      res.on('close', () => {
        clearInterval(timer);
        this.timers.delete(timer);
      });
    }
    for (const frame of this.sent) res.write(frame);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  });

  /** `data: xxxx…` without a newline, as fast as the client reads, until it hangs up or ENDLESS_LIMIT. */
  private endless(res: ServerResponse): void {
    const chunk = 'x'.repeat(64 * 1024);
    const index = this.endlessWritten.push(0) - 1;
    let closed = false;
    res.on('close', () => (closed = true));
    res.write('data: ');
    const pump = () => {
      while (!closed && (this.endlessWritten[index] as number) < ENDLESS_LIMIT) {
        this.endlessWritten[index] = (this.endlessWritten[index] as number) + chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    pump();
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  emit(payload: unknown, eventType = 'status_update_event'): void {
    const frame = `event: ${eventType}\ndata: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`;
    this.sent.push(frame);
    for (const res of this.clients) res.write(frame);
  }

  /** Writes half an event, then cuts every connection. */
  dropMidEvent(): void {
    for (const res of this.clients) {
      res.write('event: status_update_event\ndata: {"slaveId":"5f8c2f2e');
      res.socket?.destroy();
    }
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const res of this.open) res.socket?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

