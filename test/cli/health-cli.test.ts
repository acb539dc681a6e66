import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHealth } from '../../src/cli/commands/health.js';
import { CommandFailed } from '../../src/cli/io.js';
import { createMetrics, opsHandler, redisProblem } from '../../src/metrics/index.js';
import { captureIo } from '../helpers/capture-io.js';

function listen(server: HttpServer | TcpServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('/healthz and `sickbay health` (the compose healthchecks)', () => {
  const redis = { status: 'ready' };
  const http = createHttpServer(opsHandler(createMetrics({ processMetrics: false }), () => redisProblem('queue', redis)));
  const ssh = createTcpServer((socket) => socket.end('SSH-2.0-lab\r\n'));
  const notSsh = createTcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  let httpPort = 0;
  let sshPort = 0;
  let notSshPort = 0;

  beforeAll(async () => {
    [httpPort, sshPort, notSshPort] = await Promise.all([listen(http), listen(ssh), listen(notSsh)]);
  });
  afterAll(async () => {
    for (const s of [http, ssh, notSsh]) await new Promise((resolve) => s.close(resolve));
  });

  it('answers 200 while Redis is ready and 503 naming the connection once it is not; the CLI exits accordingly', async () => {
    redis.status = 'ready';
    const ok = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
    expect([ok.status, await ok.text()]).toEqual([200, 'ok\n']);
    await expect(checkHealth(`http://127.0.0.1:${httpPort}/healthz`, 2_000, captureIo())).resolves.toBeUndefined();

    redis.status = 'reconnecting';
    const io = captureIo();
    await expect(checkHealth(`http://127.0.0.1:${httpPort}/healthz`, 2_000, io)).rejects.toBeInstanceOf(CommandFailed);
    expect(io.stderr).toContain('answered 503: queue: Redis connection reconnecting');
  });

  it('serves /metrics beside it and nothing else', async () => {
    const metrics = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('sickbay_diagnosis_duration_seconds');
    expect((await fetch(`http://127.0.0.1:${httpPort}/slack/events`)).status).toBe(404);
  });

  it('takes an SSH banner as a live lab host, and anything else or nothing as not', async () => {
    await expect(checkHealth(`ssh://127.0.0.1:${sshPort}`, 2_000, captureIo())).resolves.toBeUndefined();
    const io = captureIo();
    await expect(checkHealth(`ssh://127.0.0.1:${notSshPort}`, 2_000, io)).rejects.toBeInstanceOf(CommandFailed);
    expect(io.stderr).toContain(`no SSH banner from 127.0.0.1:${notSshPort}`);
  });

  it('refuses what is not an http or ssh URL', async () => {
    await expect(checkHealth('127.0.0.1:3000', 1_000, captureIo())).rejects.toMatchObject({ code: 'cli_bad_option' });
    await expect(checkHealth('ftp://127.0.0.1/', 1_000, captureIo())).rejects.toMatchObject({ code: 'cli_bad_option' });
  });
});
