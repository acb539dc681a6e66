import type { Bundle } from '../domain/index.js';
import { parseDf } from './parsers/df.js';
import { parseDockerInfo } from './parsers/docker-info.js';
import { parseDockerInspect } from './parsers/docker-inspect.js';
import { healthFromStatus, parseDockerPs } from './parsers/docker-ps.js';
import { parseDockerVersion } from './parsers/docker-version.js';

/**
 * Whether the analysis understood a spec's output: every line of docker ps a header or a row
 * (an empty listing is understood: nothing matched its filter), docker inspect an array, docker
 * info/version their fields, df its table. Log specs are understood whatever they hold. An output
 * that parsed to nothing is not evidence of absence.
 */
export function outputUnderstood(spec: string, text: string): boolean {
  const body = text.trim();
  switch (spec) {
    case 'docker_ps': {
      if (body === '') return true;
      const lines = body.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('CONTAINER ID'));
      return parseDockerPs(text).length === lines.length;
    }
    case 'docker_inspect':
      return body === '[]' || parseDockerInspect(text).length > 0;
    case 'docker_info':
      return parseDockerInfo(text).lines.size > 0;
    case 'docker_version': {
      const v = parseDockerVersion(text);
      return v.client !== undefined || v.server !== undefined;
    }
    case 'df':
      return parseDf(text).length > 0;
    default:
      return true;
  }
}

/**
 * Whether a container is positively listed (present), positively missing from a listing that was
 * understood (absent), or neither (unknown), by docker ps and docker inspect of a bundle.
 */
/** A container id as listed matches another as asked for when one is a prefix of the other (12 or 64 hex). */
const sameId = (id: string) => (other: string): boolean => other.startsWith(id) || id.startsWith(other);

export function containerPresence(bundle: Bundle, id: string): 'present' | 'absent' | 'unknown' {
  const matches = sameId(id);
  let understood = false;
  const ps = bundle.files.get('docker_ps');
  if (ps !== undefined && outputUnderstood('docker_ps', ps)) {
    understood = true;
    if (parseDockerPs(ps).some((r) => matches(r.id))) return 'present';
  }
  const inspect = bundle.files.get('docker_inspect');
  if (inspect !== undefined && outputUnderstood('docker_inspect', inspect)) {
    understood = true;
    if (parseDockerInspect(inspect).some((c) => matches(c.id))) return 'present';
  }
  return understood ? 'absent' : 'unknown';
}

/**
 * The health Docker gives a container in a bundle's docker inspect (healthy, unhealthy, starting),
 * else what its docker ps status says ("(healthy)", "(health: starting)"), else undefined.
 */
export function containerHealth(bundle: Bundle, id: string): string | undefined {
  const matches = sameId(id);
  const inspect = bundle.files.get('docker_inspect');
  const inspected = inspect === undefined ? undefined : parseDockerInspect(inspect).find((c) => matches(c.id));
  if (inspected?.health) return inspected.health.status;
  const ps = bundle.files.get('docker_ps');
  const row = ps === undefined ? undefined : parseDockerPs(ps).find((r) => matches(r.id));
  return healthFromStatus(row?.statusText);
}
