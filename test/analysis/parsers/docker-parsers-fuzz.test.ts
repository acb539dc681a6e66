import { describe, expect, it } from 'vitest';
import { parseContainerLogTails } from '../../../src/analysis/parsers/container-log-tail.js';
import { parseContainerMemory } from '../../../src/analysis/parsers/container-memory.js';
import { parseDf } from '../../../src/analysis/parsers/df.js';
import { parseConntrack } from '../../../src/analysis/parsers/conntrack.js';
import { parseLoopDevices } from '../../../src/analysis/parsers/loop-devices.js';
import { parseFuseConnections } from '../../../src/analysis/parsers/fuse-connections.js';
import { parseDfInodes } from '../../../src/analysis/parsers/df-inodes.js';
import { parseDockerInfo } from '../../../src/analysis/parsers/docker-info.js';
import { parseDockerInspect } from '../../../src/analysis/parsers/docker-inspect.js';
import { parseDockerLogSizes } from '../../../src/analysis/parsers/docker-log-sizes.js';
import { parseDockerPs } from '../../../src/analysis/parsers/docker-ps.js';
import { parseDockerVersion } from '../../../src/analysis/parsers/docker-version.js';
import { parseDockerdCommand } from '../../../src/analysis/parsers/dockerd-command.js';
import { parseDockerdStartup } from '../../../src/analysis/parsers/dockerd-startup.js';
import { specLines } from '../../../src/analysis/parsers/text-lines.js';
import { INCIDENTS_DIR, incidentBundles } from '../../helpers/fixtures.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { fixtureText } from './fixture-text.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const PARSERS: Record<string, (text: string) => unknown> = {
  docker_info: parseDockerInfo,
  docker_version: parseDockerVersion,
  docker_ps: parseDockerPs,
  docker_inspect: parseDockerInspect,
  docker_log_sizes: parseDockerLogSizes,
  df: parseDf,
  df_inodes: parseDfInodes,
  ps: (t) => parseDockerdCommand(specLines('ps', t)),
  journal_docker: (t) => parseDockerdStartup('journal_docker', t),
  container_memory: parseContainerMemory,
  fuse_connections: parseFuseConnections,
  conntrack: parseConntrack,
  loop_devices: parseLoopDevices,
  container_log_tail: parseContainerLogTails,
};


function randomText(next: () => number, length: number): string {
  const alphabet = '{}[]":,\\\n\t %-/0123456789abcdefABCDEF.kMGTBiu_=Exited (137)Up Data Space Used: TB';
  let out = '';
  for (let i = 0; i < length; i += 1) {
    out += next() < 0.1 ? String.fromCharCode(Math.floor(next() * 0xffff)) : alphabet[Math.floor(next() * alphabet.length)];
  }
  return out;
}

describe('docker and disk parsers are total', () => {
  it('never throw on random bytes', () => {
    const next = seededRandom(20171205);
    for (let round = 0; round < 60; round += 1) {
      const text = randomText(next, Math.floor(next() * 2000));
      for (const [spec, parse] of Object.entries(PARSERS)) expect(() => parse(text), `${spec} round ${round}`).not.toThrow();
    }
  });

  it('never throw on real outputs cut at any of many points, or with lines shuffled', () => {
    const next = seededRandom(4331);
    for (const { name } of incidentBundles()) {
      for (const [spec, parse] of Object.entries(PARSERS)) {
        if (!existsSync(join(INCIDENTS_DIR, name, spec))) continue;
        const text = fixtureText(name, spec);
        for (let cut = 0; cut < 8; cut += 1) {
          const at = Math.floor(next() * text.length);
          expect(() => parse(text.slice(0, at)), `${name}/${spec} cut at ${at}`).not.toThrow();
          expect(() => parse(text.slice(at)), `${name}/${spec} from ${at}`).not.toThrow();
        }
        const shuffled = text.split('\n').sort(() => next() - 0.5).join('\n');
        expect(() => parse(shuffled), `${name}/${spec} shuffled`).not.toThrow();
      }
    }
  });

  it('read the same facts from a whole output as ever, whatever else was tried', () => {
    // The fuzzing above must not hide a parser that throws nothing because it reads nothing.
    expect(parseDockerInspect(fixtureText('mesos-java-oom-137', 'docker_inspect')).length).toBe(9);
    expect(parseDf(fixtureText('mesos-java-oom-137', 'df')).length).toBeGreaterThan(5);
  });
});
