import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Marathon's /v2/events: keeps every event it sent and replays them all to each new
 * connection (as a proxy with a replay buffer would), so a reconnecting client sees old events again.
 */
export class FakeMarathon {
  readonly sent: string[] = [];
  readonly clients = new Set<ServerResponse>();
  readonly requests: { url: string; accept: string | undefined }[] = [];
  failNext = 0;
  private server: Server = createServer((req, res) => {
    this.requests.push({ url: req.url ?? '', accept: req.headers.accept });
    if (this.failNext > 0) {
      this.failNext -= 1;
      res.writeHead(503).end('Marathon is not the leader');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    for (const frame of this.sent) res.write(frame);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  });

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
    for (const res of this.clients) res.socket?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

