import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { NodeSSH, type Config } from 'node-ssh';
import ssh2, { type Client, type ServerHostKeyAlgorithm } from 'ssh2';
import type { SshTarget } from '../domain/index.js';
import { fingerprintOf, keyTypeOf, loadKnownHosts, type KnownHosts } from './known-hosts.js';
import type { ConnectLimiter } from './limiter.js';
import {
  HostKeyChangedError,
  HostKeyRevokedError,
  HostKeyUnknownError,
  SshAuthFailedError,
  SshConnectRefusedError,
  SshConnectTimeoutError,
  SshError,
  SshKeyUnreadableError,
  SshUnreachableError,
} from './ssh-errors.js';

// ssh2 is CommonJS: Node's ESM loader only gives its default export
const { utils } = ssh2;

/** Connection settings shared by a target and its bastion. */
export interface ConnectSettings {
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  agentSocket: string | undefined;
  limiter: ConnectLimiter;
}

/** Host key algorithms ssh2 supports, in its default order of preference. */
const HOST_KEY_ALGORITHMS: readonly ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/**
 * Prefers the key types known_hosts already holds for this host, as OpenSSH does, so that a host
 * with several keys is checked against the one we know rather than reported as changed.
 */
function hostKeyPreference(known: readonly string[]): ServerHostKeyAlgorithm[] {
  const wanted = new Set(known.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t])));
  return [...HOST_KEY_ALGORITHMS.filter((a) => wanted.has(a)), ...HOST_KEY_ALGORITHMS.filter((a) => !wanted.has(a))];
}

function hostKeyRefusal(target: SshTarget, knownHosts: KnownHosts, key: Buffer): SshError | undefined {
  const result = knownHosts.check(target.address, target.port, key);
  const fingerprint = fingerprintOf(key);
  switch (result.status) {
    case 'ok':
      return undefined;
    case 'revoked':
      return new HostKeyRevokedError(target.name, knownHosts.file, fingerprint);
    case 'unknown':
      return new HostKeyUnknownError(target.name, target.address, target.port, knownHosts.file, fingerprint, keyTypeOf(key));
    case 'changed':
      return new HostKeyChangedError(
        target.name,
        knownHosts.file,
        fingerprint,
        keyTypeOf(key),
        result.known.map((k) => `${k.keyType} ${k.fingerprint} (line ${k.line})`),
      );
  }
}

async function readIdentity(target: SshTarget): Promise<Buffer | undefined> {
  if (!target.identityFile) return undefined;
  const file = target.identityFile;
  const key = await readFile(file).catch((err: unknown) => {
    throw new SshKeyUnreadableError(target.name, file, err);
  });
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) throw new SshKeyUnreadableError(target.name, file, parsed);
  return key;
}

interface Ssh2Failure {
  message?: string;
  code?: string;
  level?: string;
}

function mapConnectError(err: unknown, target: SshTarget, settings: ConnectSettings): SshError {
  if (err instanceof SshError) return err;
  const e = (err ?? {}) as Ssh2Failure;
  const message = e.message ?? String(err);
  if (e.level === 'client-authentication' || /All configured authentication methods failed/.test(message)) {
    return new SshAuthFailedError(target.name, target.user, target.identityFile ? `the key ${target.identityFile}` : 'any key from the SSH agent', err);
  }
  if (e.code === 'ECONNREFUSED' || /\bConnection refused\b/i.test(message)) {
    return new SshConnectRefusedError(target.name, target.address, target.port, err);
  }
  if (e.code === 'ETIMEDOUT' || /Timed out while waiting for handshake/.test(message)) {
    return new SshConnectTimeoutError(target.name, target.address, target.port, settings.connectTimeoutMs, err);
  }
  return new SshUnreachableError(target.name, message, err);
}

/**
 * Opens one authenticated SSH connection to `target`, over `sock` when given (a channel through a
 * bastion). The host key is checked against the target's known_hosts before authentication; a
 * refusal is reported as the typed host-key error, never as a generic handshake failure.
 */
export async function connectOnce(target: SshTarget, settings: ConnectSettings, sock?: Duplex): Promise<Client> {
  const [knownHosts, privateKey] = await Promise.all([loadKnownHosts(target.knownHostsFile), readIdentity(target)]);
  let refusal: SshError | undefined;
  const ssh = new NodeSSH();
  const config: Config = {
    username: target.user,
    port: target.port,
    readyTimeout: settings.connectTimeoutMs,
    keepaliveInterval: settings.keepaliveIntervalMs,
    keepaliveCountMax: settings.keepaliveCountMax,
    algorithms: { serverHostKey: hostKeyPreference(knownHosts.keyTypesFor(target.address, target.port)) },
    hostVerifier: (key: Buffer) => {
      refusal = hostKeyRefusal(target, knownHosts, key);
      return refusal === undefined;
    },
    ...(sock ? { sock } : { host: target.address }),
    ...(privateKey ? { privateKey: privateKey.toString('utf8') } : { agent: settings.agentSocket }),
  };
  let raw: Client | null = null;
  try {
    await settings.limiter.run(`${target.address}:${target.port}`, () => {
      const connecting = ssh.connect(config);
      raw = ssh.connection; // set synchronously by connect(); node-ssh forgets it once it closes
      return connecting;
    });
  } catch (err) {
    // a half-open socket to a silent host would otherwise linger until the kernel gives up
    (raw as Client | null)?.destroy();
    throw refusal ?? mapConnectError(err, target, settings);
  }
  const client = ssh.connection;
  if (!client) throw new SshUnreachableError(target.name, 'the connection closed right after login');
  // node-ssh removes its 'error' listener after login; until the runner adds its own, an error on the
  // socket must not crash the process (the runner sees the 'close' that follows it)
  client.on('error', () => undefined);
  return client;
}

function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** A channel from the bastion to the target's SSH port (ProxyJump), bounded by the connect timeout. */
export async function forwardThrough(bastion: Client, target: SshTarget, settings: ConnectSettings): Promise<Duplex> {
  const opening = new Promise<Duplex>((resolve, reject) => {
    bastion.forwardOut('127.0.0.1', 0, target.address, target.port, (err, channel) => (err ? reject(err) : resolve(channel)));
  });
  try {
    return await withDeadline(
      opening,
      settings.connectTimeoutMs,
      () => new SshConnectTimeoutError(target.name, target.address, target.port, settings.connectTimeoutMs),
    );
  } catch (err) {
    if (err instanceof SshError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    if (/refused/i.test(why)) throw new SshConnectRefusedError(target.name, target.address, target.port, err);
    throw new SshUnreachableError(target.name, `the bastion ${target.jump?.name ?? ''} could not open a connection to ${target.address}:${target.port} (${why})`, err);
  }
}
