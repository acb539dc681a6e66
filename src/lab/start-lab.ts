import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import ssh2, { type Connection, type ParsedKey, type ServerChannel } from 'ssh2';
import { stringify } from 'yaml';
import { killProcessTree, processTree } from './kill-tree.js';
import { parseDriverCommand } from '../ssh/shell-driver.js';
import { serveDriverSession, type StepReplayer } from './driver-emulator.js';
import { LabError } from './lab-errors.js';
import { recordedSteps, type RecordedStepCache } from './recorded-steps.js';
import { collectedWith, prepareReplay } from './prepare-replay.js';
import { LAB_BUNDLE_ENV, LAB_FIXES_NOOP_FILE, LAB_SERIES_INDEX_FILE, LAB_STATE_ENV, replayPath, writeShims } from './shims.js';

// ssh2 is CommonJS: Node's ESM loader only gives its default export
const { Server, utils } = ssh2;
type Server = InstanceType<typeof Server>;

export interface LabOptions {
  /** A directory of bundle directories (test/fixtures/incidents/ layout). */
  bundlesDir: string;
  /** Which bundles to serve. @defaultValue every bundle directory in bundlesDir */
  names?: readonly string[];
  /**
   * How many hosts to run: bundles are cloned round-robin into hosts named `<bundle>-<i>`.
   * @defaultValue one host per bundle, named after it
   */
  hosts?: number;
  /** Scales each step's recorded duration. @defaultValue 1.0 */
  durationScale?: number;
  /** Upper bound on one step's replay delay. @defaultValue 5_000 */
  maxDelayMs?: number;
  /** Hosts whose `docker rm` / `docker restart` succeed and change nothing (a fix that does not take). */
  noopFixes?: readonly string[];
  /**
   * Listen on fixed ports: the first host on portBase, the next on portBase + 1, and so on (for
   * firewall rules and scripts). A port in use stops the start with `lab_port_taken`.
   * @defaultValue free ports picked by the system
   */
  portBase?: number;
  /**
   * Answer sickbay's shell-session driver in this process instead of running it: each step line is
   * run once per bundle through the shims (in record mode) and replayed to every other host with its
   * recorded wait and no process. For fleets of hundreds of hosts on one small machine, where the
   * hosts' process start-ups would otherwise be squeezed onto its cores; a channel per command still
   * runs for real. @defaultValue false
   */
  sessionsInProcess?: boolean;
  /** The address every host listens on (an IP address; 0.0.0.0 for all). @defaultValue 127.0.0.1 */
  listen?: string;
  /**
   * The name clients reach the hosts by, written into the inventory and known_hosts (a compose
   * service name, a DNS name). @defaultValue the listen address, or 127.0.0.1 when that is 0.0.0.0 or ::
   */
  advertise?: string;
  /** The host key every host presents (an unencrypted OpenSSH private key). @defaultValue a new ed25519 key */
  hostKey?: string;
  /**
   * The public keys the hosts accept (authorized_keys lines without options). @defaultValue a new
   * client key, given in `clientKey` and written beside the inventory
   */
  authorizedKeys?: string;
}

export interface LabHost {
  name: string;
  /** The bundle this host replays. */
  bundle: string;
  port: number;
  /** The playbook its bundle was collected with, and its params: what replays it whole. */
  playbook: string;
  params?: Record<string, string>;
}

export interface Lab {
  readonly hosts: readonly LabHost[];
  /** The name the hosts are reached by (LabOptions.advertise). */
  readonly address: string;
  /** `[ADDRESS]:PORT key` lines for every host. */
  readonly knownHosts: string;
  /** The client private key (OpenSSH format) every host accepts; none when authorizedKeys were given. */
  readonly clientKey?: string;
  /**
   * Writes the inventory YAML to `file`, with `known_hosts` and `lab_client_key` (when the lab made
   * the client key) beside it (mode 0600).
   */
  writeInventory(file: string): Promise<void>;
  /** The host's state directory: `removed` and `restarted` list what fixes did there. */
  stateDir(host: string): string;
  /** Makes the host's fixes no-ops (true) or real again (false). */
  setFixesNoop(host: string, noop: boolean): Promise<void>;
  /** Moves the host to sample `index` of the series its bundle holds (`SPEC.series/`); past the end, the last. */
  setSeriesIndex(host: string, index: number): Promise<void>;
  /** How many commands the lab has started as processes (with sessionsInProcess, a replayed line starts none). */
  readonly processesStarted: number;
  /** Forgets every fix made on the host: removed containers are listed again. */
  resetState(host: string): Promise<void>;
  stop(): Promise<void>;
}

interface HostKeys {
  hostPrivate: string;
  /** `TYPE BASE64`, as in known_hosts. */
  hostPublic: string;
  /** The public keys a client may log in with. */
  clients: readonly ParsedKey[];
  /** The private half of the single client key the lab made itself. */
  clientPrivate?: string;
}

/**
 * An ed25519 pair that ssh2 can read back. ssh2 writes a private key it cannot parse about once in
 * 300 (measured: 10 in 3000), so a pair is drawn again until both halves parse.
 */
function generateParsablePair(): { private: string; public: string; parsedPrivate: ParsedKey; parsedPublic: ParsedKey } | undefined {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519');
    const parsedPrivate = utils.parseKey(pair.private);
    const parsedPublic = utils.parseKey(pair.public);
    if (!(parsedPrivate instanceof Error) && !(parsedPublic instanceof Error)) return { ...pair, parsedPrivate, parsedPublic };
  }
  return undefined;
}

function generatePair(): NonNullable<ReturnType<typeof generateParsablePair>> {
  const pair = generateParsablePair();
  if (!pair) throw new LabError('lab_keys_failed', 'the lab could not generate its SSH keys');
  return pair;
}

/** The host key given (its public half derived from it) or a new one. */
function hostKeyOf(given: string | undefined): Pick<HostKeys, 'hostPrivate' | 'hostPublic'> {
  if (given === undefined) {
    const pair = generatePair();
    return { hostPrivate: pair.private, hostPublic: pair.public };
  }
  const parsed = utils.parseKey(given);
  if (parsed instanceof Error || parsed.isPrivateKey() !== true) {
    throw new LabError('lab_host_key_invalid', `the lab's host key is not an unencrypted OpenSSH private key${parsed instanceof Error ? ` (${parsed.message})` : ''}`);
  }
  return { hostPrivate: given, hostPublic: `${parsed.type} ${parsed.getPublicSSH().toString('base64')}` };
}

/** authorized_keys text: one `TYPE BASE64 [comment]` per line; blank lines and # comments skipped. */
export function parseAuthorizedKeys(text: string): ParsedKey[] {
  const keys: ParsedKey[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parsed = utils.parseKey(line);
    if (parsed instanceof Error) {
      throw new LabError('lab_authorized_keys_invalid', `line ${index + 1} of the lab's authorized keys is not a public key (key options are not supported): ${parsed.message}`);
    }
    keys.push(parsed);
  });
  if (keys.length === 0) throw new LabError('lab_authorized_keys_invalid', "the lab's authorized keys hold no key: no client could log in");
  return keys;
}

function labKeys(options: Pick<LabOptions, 'hostKey' | 'authorizedKeys'>): HostKeys {
  const host = hostKeyOf(options.hostKey);
  if (options.authorizedKeys !== undefined) return { ...host, clients: parseAuthorizedKeys(options.authorizedKeys) };
  const client = generatePair();
  return { ...host, clients: [client.parsedPublic], clientPrivate: client.private };
}

/** What stop() must end: live client connections and the process trees of running commands. */
interface LabLive {
  connections: Set<Connection>;
  children: Set<number>;
  /** Commands started as processes so far (a channel each, or a line recorded for in-process replay). */
  started: number;
}

/** Runs one exec request; returns what kills its process tree (a no-op once it has exited). */
function runExec(channel: ServerChannel, command: string, env: NodeJS.ProcessEnv, live: LabLive): { kill: () => void; hangUp: () => void } {
  // detached: the command gets its own process group, so closing the channel can kill all of it
  const child = spawn('sh', ['-c', command], { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let exited = false;
  const pid = child.pid;
  live.started++;
  if (pid !== undefined) live.children.add(pid);
  // as sshd does: what the client sends is the command's stdin, and the client's EOF closes it
  // (a shell session's driver reads its requests there and treats EOF as the client leaving)
  channel.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  child.once('error', (err) => {
    exited = true;
    channel.stderr.write(`lab: cannot run sh: ${err.message}\n`);
    channel.exit(127);
    channel.end();
  });
  child.once('close', (code, signal) => {
    exited = true;
    if (pid !== undefined) live.children.delete(pid);
    if (channel.destroyed) return;
    if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
    else channel.exit(code ?? 255);
    channel.end();
  });
  const kill = () => {
    if (!exited && pid !== undefined) killProcessTree(pid);
  };
  // as with sshd, a closed channel is the end of the command's input, not a kill: a shell session's
  // driver cleans up after itself then; whatever is still running a moment later is killed
  const hangUp = () => {
    child.stdin.end();
    setTimeout(kill, HANG_UP_GRACE_MS).unref();
  };
  channel.once('close', hangUp);
  channel.on('error', () => undefined);
  return { kill, hangUp };
}

/** How long a command may outlive its closed channel (a driver removing its tmpfs directory). */
const HANG_UP_GRACE_MS = 3_000;

/** Accepts the lab's client keys (checked by signature) and nothing else. */
function onConnection(client: Connection, keys: HostKeys, env: NodeJS.ProcessEnv, live: LabLive, replayer: StepReplayer | undefined): void {
  live.connections.add(client);
  client.on('close', () => live.connections.delete(client));
  client.on('error', () => undefined);
  client.on('authentication', (ctx) => {
    const key = ctx.method === 'publickey' ? ctx.key : undefined;
    const allowed = key && keys.clients.find((k) => k.type === key.algo && k.getPublicSSH().equals(key.data));
    if (ctx.method !== 'publickey' || !allowed) {
      ctx.reject(['publickey']);
      return;
    }
    if (ctx.signature === undefined || ctx.blob === undefined) {
      ctx.accept(); // the client only asks whether this key would do
      return;
    }
    if (allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) ctx.accept();
    else ctx.reject(['publickey']);
  });
  client.on('ready', () => {
    client.on('session', (accept) => {
      const session = accept();
      let exec = { kill: () => undefined as void, hangUp: () => undefined as void };
      session.on('exec', (acceptExec, _reject, info) => {
        const driver = replayer && parseDriverCommand(info.command);
        if (driver && replayer) serveDriverSession(acceptExec(), driver, replayer);
        else exec = runExec(acceptExec(), info.command, env, live);
      });
      // the runner sends TERM then closes the channel on a local timeout: the whole tree dies at once
      session.on('signal', () => exec.kill());
      session.on('close', () => exec.hangUp());
      session.on('pty', (_accept, reject) => reject?.());
      session.on('shell', (_accept, reject) => reject());
      session.on('subsystem', (_accept, reject) => reject());
    });
  });
}

function listen(server: Server, address: string, port = 0): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const refused = (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES'
          ? new LabError('lab_port_taken', `the lab cannot listen on ${address}:${port} (${err.code}): pick another --port-base`, err)
          : err.code === 'EADDRNOTAVAIL'
            ? new LabError('lab_address_unavailable', `the lab cannot listen on ${address}: no interface of this machine has that address`, err)
            : err,
      );
    server.once('error', refused);
    server.listen(port, address, () => {
      server.off('error', refused);
      const address = server.address();
      resolvePort(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

function tagsOf(bundle: string): string[] {
  const first = bundle.split('-')[0];
  return first && first !== bundle ? ['lab', first] : ['lab'];
}

/** The name written into the inventory when none is given: the listen address, unless it is a wildcard. */
function defaultAdvertise(listenAddress: string): string {
  return listenAddress === '0.0.0.0' || listenAddress === '::' ? '127.0.0.1' : listenAddress;
}

/**
 * Starts SSH hosts that replay evidence bundles (on 127.0.0.1 unless told otherwise): one ssh2
 * Server per host, on its own port, all sharing one host key (recorded per `[address]:port`). Each exec runs `sh -c` with the
 * replay shims first on PATH and SICKBAY_LAB_BUNDLE set to that host's prepared bundle.
 */
export async function startLab(options: LabOptions): Promise<Lab> {
  const bundlesDir = resolve(options.bundlesDir);
  const available = (
    await readdir(bundlesDir, { withFileTypes: true }).catch((err: unknown) => {
      throw new LabError('lab_bundles_unreadable', `cannot start the lab: ${bundlesDir} is not a readable directory of bundles`, err);
    })
  )
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const names = options.names ? [...options.names] : available;
  const missing = names.filter((n) => !available.includes(n));
  if (missing.length > 0) throw new LabError('lab_bundle_unknown', `no bundle named ${missing.join(', ')} in ${bundlesDir} (have: ${available.join(', ')})`);
  if (names.length === 0) throw new LabError('lab_bundles_empty', `no bundles in ${bundlesDir}`);

  const work = await mkdtemp(join(tmpdir(), 'sickbay-lab-'));
  const servers: Server[] = [];
  const live: LabLive = { connections: new Set(), children: new Set(), started: 0 };
  try {
    const shimDir = await writeShims(join(work, 'shims'));
    const replayDirs = new Map<string, string>();
    const collected = new Map<string, Awaited<ReturnType<typeof collectedWith>>>();
    for (const name of names) {
      replayDirs.set(name, await prepareReplay(join(bundlesDir, name), join(work, 'replay', name), options));
      collected.set(name, await collectedWith(join(bundlesDir, name)));
    }
    const keys = labKeys(options);
    const listenAddress = options.listen ?? '127.0.0.1';
    const address = options.advertise ?? defaultAdvertise(listenAddress);
    const plan =
      options.hosts === undefined
        ? names.map((bundle) => ({ name: bundle, bundle }))
        : Array.from({ length: options.hosts }, (_, i) => {
            const bundle = names[i % names.length] as string;
            return { name: `${bundle}-${i}`, bundle };
          });
    const hosts: LabHost[] = [];
    const stateDirs = new Map<string, string>();
    const recorded: RecordedStepCache = new Map();
    const scratchDir = join(work, 'scratch');
    await mkdir(scratchDir);
    for (const { name, bundle } of plan) {
      const stateDir = join(work, 'state', name);
      await mkdir(stateDir, { recursive: true });
      if (options.noopFixes?.includes(name)) await writeFile(join(stateDir, LAB_FIXES_NOOP_FILE), '');
      stateDirs.set(name, stateDir);
      const env: NodeJS.ProcessEnv = {
        PATH: replayPath(shimDir),
        [LAB_BUNDLE_ENV]: replayDirs.get(bundle),
        [LAB_STATE_ENV]: stateDir,
        HOME: work,
        LANG: 'C',
      };
      const replayer = options.sessionsInProcess ? recordedSteps({ env, stateDir, scratchDir, cache: recorded, bundle, live }) : undefined;
      const server = new Server({ hostKeys: [keys.hostPrivate] }, (client) => onConnection(client, keys, env, live, replayer));
      servers.push(server);
      hosts.push({ name, bundle, port: await listen(server, listenAddress, options.portBase === undefined ? 0 : options.portBase + hosts.length), ...(collected.get(bundle) ?? { playbook: 'docker-host' }) });
    }
    const knownHosts = hosts.map((h) => `[${address}]:${h.port} ${keys.hostPublic}\n`).join('');
    let stopped: Promise<void> | undefined;
    const stateDir = (host: string): string => {
      const dir = stateDirs.get(host);
      if (dir === undefined) throw new LabError('lab_host_unknown', `the lab has no host ${host} (have: ${[...stateDirs.keys()].join(', ')})`);
      return dir;
    };
    return {
      hosts,
      address,
      knownHosts,
      ...(keys.clientPrivate === undefined ? {} : { clientKey: keys.clientPrivate }),
      async writeInventory(file: string) {
        const dir = dirname(resolve(file));
        await mkdir(dir, { recursive: true });
        const inventory = {
          defaults: { user: 'root', ...(keys.clientPrivate === undefined ? {} : { identity_file: 'lab_client_key' }), known_hosts: 'known_hosts' },
          hosts: Object.fromEntries(hosts.map((h) => [h.name, { address, port: h.port, tags: tagsOf(h.bundle), zone: 'lab' }])),
        };
        const files: [string, string][] = [
          ...(keys.clientPrivate === undefined ? [] : [[join(dir, 'lab_client_key'), keys.clientPrivate] as [string, string]]),
          [join(dir, 'known_hosts'), knownHosts],
          [file, stringify(inventory)],
        ];
        for (const [path, text] of files) {
          await writeFile(path, text, { mode: 0o600 });
          await chmod(path, 0o600); // mode only applies when the file is created
        }
      },
      stateDir,
      get processesStarted() {
        return live.started;
      },
      async setFixesNoop(host: string, noop: boolean) {
        const marker = join(stateDir(host), LAB_FIXES_NOOP_FILE);
        if (noop) await writeFile(marker, '');
        else await rm(marker, { force: true });
      },
      async setSeriesIndex(host: string, index: number) {
        if (!Number.isInteger(index) || index < 0) throw new LabError('lab_series_index_invalid', `a series index is a whole number from 0, not ${index}`);
        await writeFile(join(stateDir(host), LAB_SERIES_INDEX_FILE), `${index}\n`);
      },
      async resetState(host: string) {
        const dir = stateDir(host);
        await Promise.all(['removed', 'restarted'].map((f) => rm(join(dir, f), { force: true })));
      },
      stop() {
        stopped ??= closeAll(servers, live).then(() => rm(work, { recursive: true, force: true }));
        return stopped;
      },
    };
  } catch (err) {
    await closeAll(servers, live);
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

async function closeAll(servers: readonly Server[], live: LabLive): Promise<void> {
  // TERM first, so a shell session's driver removes its tmpfs directory; then KILL every process
  // that was in the tree (listed before: orphans leave the tree once their parent is gone)
  const trees = [...live.children].map((pid) => processTree(pid));
  for (const pid of live.children) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  for (let waited = 0; live.children.size > 0 && waited < 2_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  for (const tree of trees) for (const pid of tree) killProcessTree(pid);
  live.children.clear();
  // Server.close() waits for open connections: end them so that stop() never hangs on a client
  for (const client of live.connections) client.end();
  await Promise.all(servers.map((server) => new Promise<void>((done) => server.close(() => done()))));
}
