import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const INCIDENTS_DIR = fileURLToPath(new URL('../fixtures/incidents/', import.meta.url));
export const VARIANTS_DIR = fileURLToPath(new URL('../fixtures/variants/', import.meta.url));

export interface Expected {
  must: string[];
  must_not: string[];
  /**
   * When given, the codes of the report's problems, root cause first (`root_cause` and `problems`
   * of the report): what the analysis names as the cause of each independent problem.
   */
  root_causes?: string[];
  /** When given, the codes of the findings reported as history ("Earlier on this host"), in report order. */
  earlier?: string[];
}

export interface FixtureBundle {
  name: string;
  dir: string;
  expected: Expected;
}

/** The bundles directly under `root` that carry an expected.json, by name. */
function bundlesIn(root: string, prefix = ''): FixtureBundle[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'expected.json')))
    .map((d) => ({
      name: `${prefix}${d.name}`,
      dir: join(root, d.name),
      expected: JSON.parse(readFileSync(join(root, d.name, 'expected.json'), 'utf8')) as Expected,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Every incident bundle on disk, read at test time so new bundles are covered without code changes. */
export function incidentBundles(): FixtureBundle[] {
  return bundlesIn(INCIDENTS_DIR);
}

/** A real-world output variant: `variants/<CODE>/<name>/`, filed under the code it was collected for. */
export interface VariantBundle extends FixtureBundle {
  code: string;
}

/** Every variant bundle on disk (test/fixtures/variants/<CODE>/<name>/), read at test time. */
export function variantBundles(): VariantBundle[] {
  return readdirSync(VARIANTS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => bundlesIn(join(VARIANTS_DIR, d.name), `${d.name}/`).map((b) => ({ ...b, code: d.name })))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** dockerd's containerd restore failure as syslog wrapped it: each header line's tail on the next line. */
export const WRAPPED_CONTAINERD_RESTORE: readonly string[] = [
  'Jun  3 10:38:24 docker-06 dockerd[19722]: time="2017-06-03T10:38:24.167081096+08:00" level=info  ',
  'msg="libcontainerd: new containerd process, pid: 21057"  ',
  'Jun  3 10:38:24 docker-06 dockerd[19722]: time="2017-06-03T10:38:24.186999855+08:00" level=debug  ',
  'msg="containerd: read past events" count=0  ',
  'Jun  3 10:38:24 docker-06 dockerd[19722]: time="2017-06-03T10:38:24.18737577+08:00"  ',
  'level=fatal msg=EOF',
];
