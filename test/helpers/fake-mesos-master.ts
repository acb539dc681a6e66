import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordIo } from '../../src/alerts/index.js';

/**
 * A Mesos master over real HTTP, as apache/mesos docs/operator-http-api.md describes its `/api/v1`:
 * as the leader it answers SUBSCRIBE with a RecordIO stream (written in small pieces, each its own
 * TCP write, so that records and their sizes arrive split), GET_AGENTS and GET_TASKS; as a follower
 * it answers every call `307` to the leader with a protocol-relative Location, as
 * src/master/http.cpp does. `/master/state` is not served: this master has the v1 API.
 */
export class FakeMesosMaster {
  private server: Server | undefined;
  private readonly streams = new Set<ServerResponse>();
  /** The leader's `host:port` when this master is a follower. */
  leader: string | undefined;
  /** Events of the next SUBSCRIBE, in order. */
  events: readonly unknown[] = [];
  responses: Record<string, unknown> = {};
  /** Bytes per write of the stream. */
  pieceBytes = 7;
  readonly calls: string[] = [];
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The master dies: every stream is cut and nothing listens on its port any more. */
  async stop(): Promise<void> {
    for (const res of this.streams) res.destroy();
    this.streams.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== '/api/v1') return void res.writeHead(404).end();
    const call = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string }).type;
    this.calls.push(call);
    if (this.leader) return void res.writeHead(307, { Location: `//${this.leader}/api/v1` }).end();
    if (call !== 'SUBSCRIBE') {
      const body = this.responses[call];
      if (body === undefined) return void res.writeHead(400).end(`unexpected call ${call}`);
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', Connection: 'keep-alive' });
    res.socket?.setNoDelay(true);
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
    const bytes = Buffer.from(this.events.map((e) => recordIo(JSON.stringify(e))).join(''));
    for (let at = 0; at < bytes.length && !res.destroyed; at += this.pieceBytes) {
      res.write(bytes.subarray(at, at + this.pieceBytes));
      // a pause between writes: each piece reaches the client on its own
      if (at % (this.pieceBytes * 64) === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    // the stream stays open, as a subscription does, until the master goes away
  }
}
