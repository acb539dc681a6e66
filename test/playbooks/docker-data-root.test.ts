import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDataRootHeader } from '../../src/analysis/parsers/docker-log-sizes.js';
import { parsePlaybook, PlaybookError, renderTemplate } from '../../src/playbooks/index.js';
import { LocalShellRunner } from '../helpers/local-shell-runner.js';

/**
 * The `{{@docker_data_root}}` snippet on a real `sh`, with a `docker` and a `ps` of the test's own
 * first on PATH: every source it can learn the root from, in order, and the values it must refuse.
 */
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sickbay-data-root-'));
  await mkdir(join(dir, 'bin'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Host {
  /** What `docker info --format '{{.DockerRootDir}}'` does: print a line, fail as with no daemon, or hang. */
  docker: { answers: string } | 'down' | 'hung';
  /** `ps -eo args` lines. */
  ps?: string[];
  /** daemon.json files by name, in the test's directory; ps lines name them with --config-file. */
  configs?: Record<string, string>;
  env?: Record<string, string>;
}

async function script(file: string, body: string): Promise<void> {
  await writeFile(join(dir, 'bin', file), `#!/bin/sh\n${body}\n`);
  await chmod(join(dir, 'bin', file), 0o755);
}

/** Runs the snippet and what follows it on a host shaped as described; returns its output. */
async function runSnippet(host: Host, after = 'echo "root=$docker_root"'): Promise<{ stdout: string; stderr: string }> {
  if (typeof host.docker === 'object') await writeFile(join(dir, 'docker-answers'), `${host.docker.answers}\n`);
  const docker =
    host.docker === 'hung' ? 'exec sleep 60' : host.docker === 'down' ? 'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1' : `cat ${join(dir, 'docker-answers')}`;
  await script('docker', docker);
  await script('ps', `cat <<'EOF'\n${(host.ps ?? []).join('\n')}\nEOF`);
  for (const [name, text] of Object.entries(host.configs ?? {})) await writeFile(join(dir, name), text);
  const env = Object.entries(host.env ?? {}).map(([k, v]) => `${k}='${v}' `).join('');
  const command = `PATH=${dir}/bin:$PATH; ${env ? `export ${env}; ` : ''}${renderTemplate(`{{@docker_data_root}}\n${after}`, {})}`;
  const result = await new LocalShellRunner('h').run(command, { timeoutMs: 20_000, maxBytes: 65_536 });
  expect(result.exit, result.stderr).toBe(0);
  return result;
}

/** A ps line for dockerd with these arguments, pointing it at the test's own (maybe absent) daemon.json. */
const dockerd = (args: string, config = 'absent.json') => `/usr/bin/dockerd ${args} --config-file ${join(dir, config)}`;

function header(stdout: string) {
  const found = parseDataRootHeader(stdout);
  return found ? { path: found.path, source: found.source } : undefined;
}

describe('the docker_data_root snippet', () => {
  it('asks the daemon first and prints the header the analysis reads', async () => {
    const out = await runSnippet({ docker: { answers: '/srv/docker' }, ps: [dockerd('--data-root /elsewhere')] });
    expect(out.stdout).toBe('# data-root /srv/docker (from docker-info)\nroot=/srv/docker\n');
    expect(header(out.stdout)).toEqual({ path: '/srv/docker', source: 'docker-info' });
  });

  it('reads daemon.json when the daemon is down: data-root, else the old graph key', async () => {
    const json = '{\n  "log-driver": "json-file",\n  "data-root" : "/mnt/big/docker/",\n  "storage-driver": "overlay2"\n}\n';
    expect(header((await runSnippet({ docker: 'down', ps: [dockerd('-H fd://', 'new.json')], configs: { 'new.json': json } })).stdout)).toEqual({ path: '/mnt/big/docker', source: 'daemon.json' });
    const old = '{"graph":"/data/docker","storage-driver":"devicemapper"}';
    expect(header((await runSnippet({ docker: 'down', ps: [dockerd('', 'old.json')], configs: { 'old.json': old } })).stdout)).toEqual({ path: '/data/docker', source: 'daemon.json' });
  });

  it("reads dockerd's command line in every spelling, the last one winning as in dockerd", async () => {
    const spellings: [string, string][] = [
      ['--data-root /a/docker', '/a/docker'],
      ['--data-root=/b/docker', '/b/docker'],
      ['-g /c/docker', '/c/docker'],
      ['-g=/d/docker', '/d/docker'],
      ['--graph /e/docker', '/e/docker'],
      ['--graph=/f/docker --storage-opt dm.basesize=20G', '/f/docker'],
      ['--data-root /x --debug --data-root /g/docker', '/g/docker'],
    ];
    for (const [args, root] of spellings) {
      const out = await runSnippet({ docker: 'down', ps: ['/usr/bin/containerd', dockerd(args)] });
      expect(header(out.stdout), args).toEqual({ path: root, source: 'dockerd-cmdline' });
    }
  });

  it('finds the daemon in any ps layout and in old `docker daemon` / `docker -d` form, never in a grep', async () => {
    const ps = ['  PID STAT ELAPSED WCHAN COMMAND', ' 4242 S+   12 pipe_read grep dockerd --data-root /wrong', ' 1234 Ssl  9999 futex_wait_queue /usr/bin/docker daemon -g /var/lib/old-docker'];
    expect(header((await runSnippet({ docker: 'down', ps })).stdout)).toEqual({ path: '/var/lib/old-docker', source: 'dockerd-cmdline' });
    expect(header((await runSnippet({ docker: 'down', ps: ['docker -d --graph=/srv/d1'] })).stdout)).toEqual({ path: '/srv/d1', source: 'dockerd-cmdline' });
  });

  it('picks the daemon listening on $DOCKER_HOST when several run', async () => {
    const ps = [dockerd('-H unix:///run/a.sock --data-root /first'), dockerd('-H unix:///run/b.sock --data-root /second')];
    expect(header((await runSnippet({ docker: 'down', ps, env: { DOCKER_HOST: 'unix:///run/b.sock' } })).stdout)?.path).toBe('/second');
    expect(header((await runSnippet({ docker: 'down', ps })).stdout)?.path).toBe('/first');
  });

  it('without $DOCKER_HOST picks the daemon on the default socket, as the client would, even when another is listed first', async () => {
    const ci = dockerd('-H unix:///run/ci-docker.sock --data-root /srv/ci');
    for (const system of [dockerd('--data-root /srv/system'), dockerd('-H fd:// -H unix:///var/run/docker.sock --data-root /srv/system'), dockerd('--host=unix:///run/docker.sock --data-root=/srv/system')]) {
      expect(header((await runSnippet({ docker: 'down', ps: [ci, system] })).stdout)?.path).toBe('/srv/system');
    }
  });

  it('falls back to /var/lib/docker when nothing says otherwise', async () => {
    const out = await runSnippet({ docker: 'down', ps: [dockerd('-H fd://', 'empty.json')], configs: { 'empty.json': '{}' } });
    expect(out.stdout).toBe('# data-root /var/lib/docker (from default)\nroot=/var/lib/docker\n');
  });

  it('gives a hung daemon 3 s, then reads daemon.json and the command line', async () => {
    const out = await runSnippet({ docker: 'hung', ps: [dockerd('--data-root /mnt/frozen/docker')] });
    expect(header(out.stdout)).toEqual({ path: '/mnt/frozen/docker', source: 'dockerd-cmdline' });
  });

  it('refuses values that are not plain absolute paths, wherever they come from, and goes on to the next source', async () => {
    const hostile = ['relative/docker', '/data/$(reboot)', '/data/`id`', '/a b/docker', '/data/../etc', '/data;rm -rf /', "/it's"];
    for (const value of hostile) {
      const out = await runSnippet({
        docker: { answers: value },
        // ps cannot show a space inside an argument: that one comes from the daemon and daemon.json only
        ps: [dockerd(value.includes(' ') ? '' : `--data-root ${value}`, 'hostile.json')],
        configs: { 'hostile.json': JSON.stringify({ 'data-root': value }) },
      });
      expect(header(out.stdout), value).toEqual({ path: '/var/lib/docker', source: 'default' });
    }
  });

  it('is what docker_log_sizes runs: the header, then du over the root it found', async () => {
    const root = join(dir, 'moved-root');
    const id = 'ab'.repeat(32);
    await mkdir(join(root, 'containers', id), { recursive: true });
    await writeFile(join(root, 'containers', id, `${id}-json.log`), 'x'.repeat(1234));
    const out = await runSnippet({ docker: { answers: root } }, 'du -sb "$docker_root"/containers/*/*-json.log');
    expect(out.stdout).toBe(`# data-root ${root} (from docker-info)\n1234\t${root}/containers/${id}/${id}-json.log\n`);
  });
});

describe('snippets in playbooks', () => {
  const playbook = (command: string) => `name: one
description: One step.
steps:
  - id: docker_log_sizes
    spec: docker_log_sizes
    command: ${command}
    timeout: 5s
`;

  it('renders a snippet line into its text and leaves Go templates alone', () => {
    const rendered = renderTemplate("{{@docker_data_root}}\ndocker ps --format '{{json .}}'", {});
    expect(rendered).toContain("docker info --format '{{.DockerRootDir}}'");
    expect(rendered).not.toContain('{{@');
    expect(rendered.endsWith("\ndocker ps --format '{{json .}}'")).toBe(true);
  });

  it('refuses an unknown snippet and one that shares its line', () => {
    expect(() => parsePlaybook(playbook('"{{@no_such}}"'), 'one.yml')).toThrow(PlaybookError);
    expect(() => parsePlaybook(playbook('"{{@no_such}}"'), 'one.yml')).toThrow('{{@no_such}} is not a snippet (there are: docker_data_root, memory_cgroups)');
    expect(() => parsePlaybook(playbook('"{{@docker_data_root}}; du -sb x"'), 'one.yml')).toThrow('{{@docker_data_root}} must stand alone on its line');
    expect(parsePlaybook(playbook('|-\n      {{@docker_data_root}}\n      du -sb "$docker_root"'), 'one.yml').steps[0]?.command).toBe('{{@docker_data_root}}\ndu -sb "$docker_root"');
  });
});
