import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/analysis/index.js';
import { readBundle } from '../../src/bundles/index.js';
import { daemonJsonOf, FINDING_CODES, reportProblems, type AnalysisReport, type Finding } from '../../src/domain/index.js';
import { incidentBundles, variantBundles } from '../helpers/fixtures.js';

const NOW = new Date('2026-11-21T00:00:00Z');
const bundles = [...incidentBundles(), ...variantBundles()];

async function reports(): Promise<{ name: string; report: AnalysisReport }[]> {
  return Promise.all(bundles.map(async (b) => ({ name: b.name, report: analyze(await readBundle(b.dir), { now: NOW }) })));
}

/**
 * Words that name the incidents this project was built from, or call them "seeds": a user of
 * sickbay cannot see them and they mean nothing on another host.
 */
const INSIDER_WORDS = /\bseeds?\b|种子|\bliubei\b|wangyapu|dianping|点评|redis-docker集群/i;

/** Every text a user reads of a report but the quoted evidence (which is the host's own). */
function userText(report: AnalysisReport): string[] {
  const problems = reportProblems(report);
  return [
    ...problems.flatMap((p) => [p.title, p.summary]),
    ...report.findings.flatMap((f) => [f.title, f.earlier ?? '', ...f.fixes.flatMap((x) => [x.title, x.detail ?? '', ...(x.commands ?? []), ...(x.daemon_options ?? [])])]),
  ];
}

/**
 * The facts of a title that its evidence must carry: every number that is not a size, a share, a
 * ratio or a count the analysis made (those are computed from quoted figures), and every name
 * with a digit or a slash in it (pids, container ids and names, devices, mounts, servers).
 */
const DERIVED_AFTER = /^\s*(?:%|×|[KMGTP]i?B\b|B\b|kB\b|times\b|kernel reports?\b|kills?\b|error lines?\b|devices?\b|processes\b|threads?\b|containers?\b|filesystems?\b|more\b|global OOM kills?\b|instances?\b|per CPU\b|CPUs\b|days?\b|h\b|min\b)/;
/**
 * What the analysis knows rather than reads from the host: a Docker release that dropped a driver,
 * the words of a blocked-I/O class, the default data root when nothing on the host names another.
 */
const KNOWLEDGE = /removed in Docker 25|before 1\.12\.6|\(jbd2\)|ext4 journal|I\/O|default data root \/var\/lib\/docker|Java \d+\+ \(JENKINS_VERSION=/g;

export function titleFacts(title: string): string[] {
  const facts: string[] = [];
  const text = title.replace(KNOWLEDGE, ' ');
  // thousands separators: "1,310,720" is one count, read without them
  for (const m of text.replace(/(\d),(?=\d{3}\b)/g, '$1').matchAll(/[^\s,;()[\]'"]+/g)) {
    const token = m[0].replace(/[.:]+$/, '');
    const after = text.slice((m.index ?? 0) + m[0].length);
    if (!/\d|\//.test(token)) continue;
    if (/^\d+(?:\.\d+)?$/.test(token) && DERIVED_AFTER.test(after)) continue;
    // shares, ratios, sizes and the ×N counts of a process list are computed from quoted figures
    if (/^\d+(?:\.\d+)?%$|^[\d.]+×$|^×\d+$|^\d+(?:\.\d+)?[KMGT]i?B$/.test(token)) continue;
    facts.push(token);
  }
  return facts;
}

function missingFacts(f: Finding): string[] {
  const evidence = f.evidence.map((e) => e.text).join('\n').toLowerCase();
  return titleFacts(f.title).filter((t) => !evidence.includes(t.toLowerCase()) && !inHumanUnits(t, evidence));
}

/** A count df -hi printed in its own units: 655360 as "640K", 2097152 as "2.0M". */
function inHumanUnits(token: string, evidence: string): boolean {
  const n = Number(token);
  if (!Number.isInteger(n) || n < 1024) return false;
  const forms = [`${n / 1024}k`, `${(n / 1024 ** 2).toFixed(1)}m`, `${Math.round(n / 1024 ** 2)}m`];
  return forms.some((f) => new RegExp(`(?:^|\\s)${f.replace('.', '\\.')}(?:\\s|$)`).test(evidence));
}

describe('what users read', () => {
  it('never names the source incidents, in any title, summary or fix of any fixture', async () => {
    const offending = (await reports()).flatMap(({ name, report }) => userText(report).filter((t) => INSIDER_WORDS.test(t)).map((t) => `${name}: ${t}`));
    expect(offending).toEqual([]);
  });

  it('gives dockerd options as daemon options, each with a daemon.json form, and never as a command to type', async () => {
    const fixes = (await reports()).flatMap(({ name, report }) => report.findings.flatMap((f) => f.fixes.map((fix) => ({ where: `${name} ${f.code}`, fix }))));
    expect(fixes.flatMap(({ where, fix }) => (fix.commands ?? []).filter((c) => c.startsWith('-')).map((c) => `${where}: ${c}`))).toEqual([]);
    const options = fixes.flatMap(({ fix }) => fix.daemon_options ?? []);
    expect(options.length).toBeGreaterThan(10);
    for (const option of new Set(options)) expect(Object.keys(daemonJsonOf(option)).length, option).toBeGreaterThan(0);
  });

  it('quotes, for every finding code, evidence that carries each number and name of its title', async () => {
    const all = await reports();
    const seen = new Set<string>();
    const unproven: string[] = [];
    for (const { name, report } of all) {
      for (const f of report.findings) {
        seen.add(f.code);
        const missing = missingFacts(f);
        if (missing.length) unproven.push(`${name} ${f.code}: ${missing.join(', ')} not in the evidence of "${f.title}"`);
      }
    }
    expect(unproven).toEqual([]);
    // every code is checked on at least one real output
    expect(FINDING_CODES.filter((c) => !seen.has(c))).toEqual([]);
  });

  it('reads the facts of a title', () => {
    expect(titleFacts('java (pid 51207) in container app 8aaa088b935b killed by the memory cgroup: 3.5 GiB of 4.0 GiB limit (2 kills)')).toEqual(['51207', '8aaa088b935b']);
  });
});
