import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBundle } from '../../src/bundles/index.js';
import { analyze } from '../../src/analysis/index.js';
import { BundleError } from '../../src/domain/index.js';
import { parseLvs } from '../../src/analysis/parsers/lvs.js';
import { parseContainerMemory } from '../../src/analysis/parsers/container-memory.js';
import { parsePs } from '../../src/analysis/parsers/ps.js';
import { parseLoopDevices } from '../../src/analysis/parsers/loop-devices.js';

const made: string[] = [];
const servers: Server[] = [];
/** A temporary directory removed after the suite. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A file outside every bundle holding what must never be quoted as evidence. */
function secretOutside(): string {
  const path = join(tempDir('outside-'), 'shadow');
  writeFileSync(path, 'root:$6$SECRETHASH$abc:19000:0:99999:7:::\n');
  return path;
}

async function refusal(dir: string): Promise<BundleError> {
  const err: unknown = await readBundle(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BundleError);
  expect((err as BundleError).code).toBe('bundle_file_refused');
  return err as BundleError;
}

/** Opens a FIFO's write end and closes it, so that a reader blocked on it (a regression) gets EOF. */
function releaseFifo(path: string): void {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    /* ENXIO: nobody is reading it, as it should be */
  }
}

/** readBundle(dir), or 'hung' when it has not settled in 20 s: a regression fails instead of hanging the suite. */
async function readGuarded(dir: string): Promise<unknown> {
  const guard = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 20_000).unref());
  return Promise.race([readBundle(dir).then(() => 'read', (e: unknown) => e), guard]);
}

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('reading a bundle refuses what is not a regular file inside it', () => {

  it('refuses a spec that links to a file outside the bundle, naming it, without quoting it', async () => {
    const dir = tempDir('bundle-link-out-');
    const shadow = secretOutside();
    symlinkSync(shadow, join(dir, 'dmesg'));
    const err = await refusal(dir);
    expect(err.userMessage).toBe(`not reading ${join(dir, 'dmesg')}: it links to ${shadow}, outside the bundle`);
    expect(err.message).not.toContain('SECRETHASH');
  });

  it('refuses a relative link that climbs out of the bundle', async () => {
    const parent = tempDir('bundle-climb-');
    mkdirSync(join(parent, 'b'));
    writeFileSync(join(parent, 'secret'), 'SECRETHASH\n');
    symlinkSync('../secret', join(parent, 'b', 'messages'));
    expect((await refusal(join(parent, 'b'))).userMessage).toMatch(/messages: it links to .*\/secret, outside the bundle/);
  });

  it('follows a link that stays inside the bundle', async () => {
    const dir = tempDir('bundle-link-in-');
    mkdirSync(join(dir, 'raw'));
    writeFileSync(join(dir, 'raw', 'kernel.log'), '[ 1.0] unregister_netdevice: waiting for veth1 to become free. Usage count = 1\n');
    symlinkSync('raw/kernel.log', join(dir, 'dmesg'));
    const bundle = await readBundle(dir);
    expect(bundle.files.get('dmesg')).toContain('unregister_netdevice');
  });

  it('refuses a meta.json that links outside, without quoting the target in a JSON error', async () => {
    const dir = tempDir('bundle-meta-out-');
    symlinkSync(secretOutside(), join(dir, 'meta.json'));
    const err = await refusal(dir);
    expect(err.userMessage).toMatch(/meta\.json: it links to .*, outside the bundle/);
    expect(err.message).not.toContain('SECRETHASH');
  });

  it('refuses a FIFO without opening it (a FIFO nobody writes would block the read forever)', async () => {
    const dir = tempDir('bundle-fifo-');
    execFileSync('mkfifo', [join(dir, 'dmesg')]);
    const outcome = await readGuarded(dir);
    releaseFifo(join(dir, 'dmesg'));
    expect(outcome).toBeInstanceOf(BundleError);
    expect((outcome as BundleError).userMessage).toBe(`not reading ${join(dir, 'dmesg')}: it is a FIFO, not a regular file`);
  });

  it('refuses a device node inside the bundle and a link to /dev/zero', async () => {
    const dir = tempDir('bundle-dev-');
    execFileSync('mknod', [join(dir, 'messages'), 'c', '1', '5']); // /dev/zero's numbers
    symlinkSync('/dev/zero', join(dir, 'dmesg'));
    const lines = (await refusal(dir)).userMessage.split('\n');
    expect(lines).toEqual([
      `not reading ${join(dir, 'dmesg')}: it links to /dev/zero, outside the bundle`,
      `not reading ${join(dir, 'messages')}: it is a character device, not a regular file`,
    ]);
  });

  it('refuses a socket and a directory where a spec file should be', async () => {
    const dir = tempDir('bundle-sock-');
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(join(dir, 'journal_docker'), resolve));
    mkdirSync(join(dir, 'ps'));
    const lines = (await refusal(dir)).userMessage.split('\n');
    expect(lines).toEqual([
      `not reading ${join(dir, 'journal_docker')}: it is a socket, not a regular file`,
      `not reading ${join(dir, 'ps')}: it is a directory, not a regular file`,
    ]);
  });

  it('reads only the tail of a sparse 2 GiB file, up to the cap, and marks it truncated', async () => {
    const dir = tempDir('bundle-huge-');
    writeFileSync(join(dir, 'dmesg'), '');
    truncateSync(join(dir, 'dmesg'), 2 * GiB); // sparse: no disk used
    const bundle = await readBundle(dir, { maxFileBytes: 4 * MiB });
    // no newline in the window: all of it is kept
    expect(bundle.files.get('dmesg')?.length).toBe(4 * MiB);
    expect(bundle.meta.steps?.dmesg).toEqual({ truncated: true, unread_bytes: 2 * GiB - 4 * MiB });
  });

  it('starts the tail of a long log at its first whole line and says in the report what was not read', async () => {
    const dir = tempDir('bundle-tail-');
    const line = (i: number) => `[${(1000 + i).toFixed(6)}] line ${String(i).padStart(6, '0')} of a long kernel log\n`;
    const lines = Array.from({ length: 40_000 }, (_, i) => line(i));
    lines.push('[99999.000000] unregister_netdevice: waiting for veth54a2de6 to become free. Usage count = 1\n');
    writeFileSync(join(dir, 'dmesg'), lines.join(''));
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ host: 'h1', steps: { dmesg: { exit: 0, duration_ms: 5 } } }));
    const bundle = await readBundle(dir, { maxFileBytes: 64 * 1024 });
    const text = bundle.files.get('dmesg') ?? '';
    expect(text.length).toBeLessThanOrEqual(64 * 1024);
    expect(text.length).toBeGreaterThan(64 * 1024 - 100);
    expect(text.startsWith('[')).toBe(true);
    expect(lines.join('').endsWith(text)).toBe(true);
    expect(bundle.meta.steps?.dmesg).toMatchObject({ exit: 0, duration_ms: 5, truncated: true });
    const report = analyze(bundle, { now: new Date('2026-01-01T00:00:00Z') });
    expect(report.findings.map((f) => f.code)).toContain('VETH_UNREGISTER_LEAK');
    expect(report.gaps).toContainEqual({ spec: 'dmesg', reason: expect.stringMatching(/^its first .* not read: over the read cap$/) as unknown });
  });

  it('reads a file at the cap whole', async () => {
    const dir = tempDir('bundle-at-cap-');
    writeFileSync(join(dir, 'uname'), 'x'.repeat(1023) + '\n');
    const bundle = await readBundle(dir, { maxFileBytes: 1024 });
    expect(bundle.files.get('uname')).toHaveLength(1024);
    expect(bundle.meta.steps).toBeUndefined();
  });
});

describe('reading a sosreport refuses the same', () => {
  /** A minimal extracted sosreport with its usual top-level link (uname -> sos_commands/kernel/uname_-a). */
  function sosreport(): string {
    const root = tempDir('sosreport-');
    mkdirSync(join(root, 'sos_commands/kernel'), { recursive: true });
    mkdirSync(join(root, 'sos_commands/docker'), { recursive: true });
    writeFileSync(join(root, 'sos_commands/kernel/uname_-a'), 'Linux sos-host-1 3.10.0-693.el7.x86_64 #1 SMP x86_64 GNU/Linux\n');
    symlinkSync('sos_commands/kernel/uname_-a', join(root, 'uname'));
    writeFileSync(join(root, 'hostname'), 'sos-host-1\n');
    return root;
  }

  it("takes the thin pools from sos's devicemapper and lvm2 plugins", async () => {
    const root = sosreport();
    mkdirSync(join(root, 'sos_commands/devicemapper'), { recursive: true });
    mkdirSync(join(root, 'sos_commands/lvm2'), { recursive: true });
    const status = 'rootvg-docker--pool: 0 129548288 thin-pool 1 20/49152 38/126512 - rw no_discard_passdown queue_if_no_space -\n';
    writeFileSync(join(root, 'sos_commands/devicemapper/dmsetup_status'), status);
    // the lvm2 plugin's `lvs -a -o +lv_tags,devices --config="global{locking_type=0}"` (the default
    // table with columns appended), from RedHatInsights/insights-core's LVM combiner tests; the
    // file name as sos writes it
    const lvs = [
      '  WARNING: Locking disabled. Be careful! This could corrupt your metadata.',
      '  LV            VG              Attr       LSize   Pool  Origin Data%  Meta%  Move Log Cpy%Sync Convert LV Tags Devices',
      '  lv_brick1     data1           Vwi-aotz--   3.62t pool1        0.05',
      '  pool1         data1           twi-aotz--   3.62t              0.10   0.11                                     pool1_tdata(0)',
      '  [pool1_tdata] data1           Twi-ao----   3.62t                                                              /dev/sdb1(4096)',
      '  [pool1_tmeta] data1           ewi-ao----  16.00g                                                              /dev/sdb1(0)',
      '  home          rhel_ceehadoop1 -wi-ao---- 976.00g                                                              /dev/sda3(12800) ',
    ].join('\n');
    writeFileSync(join(root, 'sos_commands/lvm2/lvs_-a_-o_lv_tags_devices_--config_global_locking_type_0'), lvs);
    const bundle = await readBundle(root);
    expect(bundle.files.get('dmsetup_status')).toBe(status);
    expect(parseLvs(bundle.files.get('lvs') ?? '')).toMatchObject([{ dmName: 'data1-pool1', sizeBytes: 3.62 * 2 ** 40, dataPct: 0.1, metadataPct: 0.11 }]);
  });

  it("takes the containers' memory from sos's docker plugin (docker stats --no-stream)", async () => {
    const root = sosreport();
    // the 1.13+ table; the file name as sos writes it for `docker stats --no-stream`
    const stats = 'CONTAINER ID   NAME   CPU %   MEM USAGE / LIMIT    MEM %   NET I/O   BLOCK I/O   PIDS\n812c82c5a7a5   app    0.00%   1.2GiB / 7.638GiB   15.71%  0B / 0B   0B / 0B     3\n';
    writeFileSync(join(root, 'sos_commands/docker/docker_stats_--no-stream'), stats);
    const bundle = await readBundle(root);
    expect(bundle.files.get('container_memory')).toBe(stats);
    expect(parseContainerMemory(stats)).toMatchObject([{ container: '812c82c5a7a5', name: 'app', workingSetBytes: 1.2 * 2 ** 30 }]);
  });

  it("takes the loop devices' files from sos's block plugin (losetup -a)", async () => {
    const root = sosreport();
    mkdirSync(join(root, 'sos_commands/block'), { recursive: true });
    // devicemapper's loop-lvm pair, as losetup -a prints it (/dev/loopN: [device]:inode (file))
    const losetup = '/dev/loop0: [64769]:1311202 (/var/lib/docker/devicemapper/devicemapper/data)\n/dev/loop1: [64769]:1311203 (/var/lib/docker/devicemapper/devicemapper/metadata)\n';
    writeFileSync(join(root, 'sos_commands/block/losetup_-a'), losetup);
    const bundle = await readBundle(root);
    expect(parseLoopDevices(bundle.files.get('loop_devices') ?? '').map((l) => [l.device, l.backingFile])).toEqual([
      ['loop0', '/var/lib/docker/devicemapper/devicemapper/data'],
      ['loop1', '/var/lib/docker/devicemapper/devicemapper/metadata'],
    ]);
  });

  it("takes the processes from sos's ps alxwww, which gives parents, over ps auxwww", async () => {
    const root = sosreport();
    mkdirSync(join(root, 'sos_commands/process'), { recursive: true });
    // procps 4's ps alxwww and ps auxwww, as sos names their files
    const alx = [
      'F   UID     PID    PPID PRI  NI    VSZ   RSS WCHAN  STAT TTY        TIME COMMAND',
      '4     0    4790    4770  20   0   2388   760 do_wai Ss   ?          0:00 /sbin/docker-init -- /docker-entrypoint.sh',
      '0     0    4810    4790  20   0 3425600 1040000 futex_ Sl  ?          1:02 java -jar /app.jar',
      '',
    ].join('\n');
    writeFileSync(join(root, 'sos_commands/process/ps_alxwww'), alx);
    writeFileSync(join(root, 'sos_commands/process/ps_auxwww'), 'USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND\nroot 4810 0.0 1.0 3425600 1040000 ? Sl 10:00 1:02 java -jar /app.jar\n');
    const bundle = await readBundle(root);
    expect(bundle.files.get('ps')).toBe(alx);
    expect(parsePs(alx)?.map((p) => [p.pid, p.ppid, p.state, p.wchan, p.command])).toEqual([
      [4790, 4770, 'Ss', 'do_wai', '/sbin/docker-init -- /docker-entrypoint.sh'],
      [4810, 4790, 'Sl', 'futex_', 'java -jar /app.jar'],
    ]);
  });

  it('follows the links sos makes inside its own tree', async () => {
    const root = sosreport();
    rmSync(join(root, 'sos_commands/kernel/uname_-a'));
    mkdirSync(join(root, 'sos_commands/host'), { recursive: true });
    writeFileSync(join(root, 'sos_commands/host/uname_-a'), 'Linux sos-host-1 5.14.0 #1 SMP x86_64 GNU/Linux\n');
    rmSync(join(root, 'uname'));
    symlinkSync('sos_commands/host/uname_-a', join(root, 'uname'));
    const bundle = await readBundle(root);
    expect(bundle.files.get('uname')).toContain('5.14.0');
    expect(bundle.meta.host).toBe('sos-host-1');
  });

  it('refuses a command output that links out, a FIFO and a docker inspect that links out', async () => {
    const root = sosreport();
    const shadow = secretOutside();
    symlinkSync(shadow, join(root, 'sos_commands/kernel/dmesg'));
    execFileSync('mkfifo', [join(root, 'sos_commands/docker/docker_info')]);
    mkdirSync(join(root, 'sos_commands/docker/containers'));
    symlinkSync(shadow, join(root, 'sos_commands/docker/containers/docker_inspect_web'));
    const outcome = await readGuarded(root);
    releaseFifo(join(root, 'sos_commands/docker/docker_info'));
    expect(outcome).toBeInstanceOf(BundleError);
    const err = outcome as BundleError;
    expect(err.userMessage.split('\n')).toEqual([
      `not reading ${join(root, 'sos_commands/kernel/dmesg')}: it links to ${shadow}, outside the bundle`,
      `not reading ${join(root, 'sos_commands/docker/docker_info')}: it is a FIFO, not a regular file`,
      `not reading ${join(root, 'sos_commands/docker/containers/docker_inspect_web')}: it links to ${shadow}, outside the bundle`,
    ]);
    expect(err.message).not.toContain('SECRETHASH');
  });

  it('reads the tail of an over-long sos log and marks it', async () => {
    const root = sosreport();
    mkdirSync(join(root, 'var/log'), { recursive: true });
    writeFileSync(join(root, 'var/log/messages'), '');
    truncateSync(join(root, 'var/log/messages'), 2 * GiB);
    const bundle = await readBundle(root, { maxFileBytes: MiB });
    expect(bundle.files.get('messages')?.length).toBe(MiB);
    expect(bundle.meta.steps?.messages).toEqual({ truncated: true, unread_bytes: 2 * GiB - MiB });
  });
});
