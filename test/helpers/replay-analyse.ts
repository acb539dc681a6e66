import { analyze } from '../../src/analysis/index.js';
import type { AnalysisReport, Bundle, Finding } from '../../src/domain/index.js';

/**
 * analyze() plus findings read straight from the bundle's lines, so the Slack path has findings to
 * carry while the analysis rules are built on another branch. Real data in, no fixed results.
 */
export function replayAnalyse(bundle: Bundle, now: Date): AnalysisReport {
  const report = analyze(bundle, { now });
  const extra: Finding[] = [];
  const hung = ['dmesg', 'messages'].flatMap((spec) =>
    (bundle.files.get(spec) ?? '')
      .split('\n')
      .map((text, i) => ({ spec: spec as 'dmesg' | 'messages', text, line: i + 1 }))
      .filter((e) => /blocked for more than \d+ seconds/.test(e.text)),
  );
  if (hung.length && !report.findings.some((f) => f.code === 'HUNG_TASK')) {
    extra.push({
      code: 'HUNG_TASK',
      severity: 'critical',
      title: `${hung.length} hung-task reports in the kernel log`,
      evidence: hung,
      fixes: [{ title: 'Find what the blocked tasks wait on (usually the storage under /var/lib/docker)' }],
    });
  }
  const used = /Data Space Used: ([\d.]+ \w+)/.exec(bundle.files.get('docker_info') ?? '');
  const total = /Data Space Total: ([\d.]+ \w+)/.exec(bundle.files.get('docker_info') ?? '');
  if (used && total && used[1] === total[1] && !report.findings.some((f) => f.code === 'DM_POOL_DATA_FULL')) {
    extra.push({
      code: 'DM_POOL_DATA_FULL',
      severity: 'critical',
      title: `devicemapper pool ${used[1]} of ${total[1]} used`,
      evidence: [{ spec: 'docker_info', text: `${used[0]} / ${total[0]}` }],
      fixes: [{ title: 'Free or grow the thin pool', commands: ['docker system prune -f', 'lvextend -L +100G docker/thinpool'] }],
    });
  }
  const env = (bundle.files.get('docker_inspect') ?? '').split('\n').map((text, i) => ({ text, line: i + 1 })).filter((e) => /^\s*"[A-Z_]+=/.test(e.text));
  if (env.length) {
    extra.push({
      code: 'JVM_HEAP_UNBOUNDED',
      severity: 'info',
      title: `${env.length} environment entries in containers`,
      evidence: env.map((e) => ({ spec: 'docker_inspect' as const, text: e.text.trim(), line: e.line })),
      fixes: [{ title: 'Review container environments' }],
    });
  }
  return { ...report, findings: [...extra, ...report.findings] };
}
