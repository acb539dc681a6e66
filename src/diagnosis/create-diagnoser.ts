import { join } from 'node:path';
import { analyze } from '../analysis/index.js';
import { writeBundle } from '../bundles/index.js';
import type {
  Clock,
  CommandRunner,
  DiagnoseRequest,
  Diagnoser,
  DiagnosisProgress,
  DiagnosisResult,
  SshTarget,
} from '../domain/index.js';
import { checkPlaybookParams, collectBundle, findPlaybook, type LoadedPlaybooks } from '../playbooks/index.js';

export interface DiagnoserDeps {
  playbooks: LoadedPlaybooks;
  /** Opens one connection to a host (the SSH runner in production). */
  connect: (target: SshTarget) => Promise<CommandRunner>;
  clock: Clock;
  /** Where evidence bundles are kept (one directory per host and run); not kept when absent. */
  bundlesRoot?: string;
  /** How long kept bundles live. @defaultValue 14 */
  retentionDays?: number;
  channelLimit?: number;
  maxBytes?: number;
}

/**
 * The live diagnosis: check the request, open one connection, run the playbook's steps in
 * parallel, keep the bundle, analyse it. Params are checked before any connection is made.
 */
export function createDiagnoser(deps: DiagnoserDeps): Diagnoser {
  return {
    async diagnose(request: DiagnoseRequest, onProgress?: (event: DiagnosisProgress) => void): Promise<DiagnosisResult> {
      const started = deps.clock.now().getTime();
      const playbook = findPlaybook(deps.playbooks, request.playbook);
      const params = checkPlaybookParams(playbook, request.params ?? {});
      const runner = await deps.connect(request.host.ssh);
      let bundle;
      try {
        onProgress?.({ kind: 'connected', host: request.host.name });
        bundle = await collectBundle({
          runner,
          host: request.host.name,
          playbook,
          params,
          clock: deps.clock,
          ...(deps.channelLimit ? { channelLimit: deps.channelLimit } : {}),
          ...(deps.maxBytes ? { maxBytes: deps.maxBytes } : {}),
          ...(onProgress ? { onProgress } : {}),
        });
      } finally {
        await runner.close();
      }
      let bundleDir: string | undefined;
      if (deps.bundlesRoot && request.keepBundle !== false) {
        const stamp = deps.clock.now().toISOString().replace(/[:.]/g, '-');
        const written = await writeBundle(join(deps.bundlesRoot, request.host.name, `${stamp}-${playbook.name}`), bundle, {
          retentionDays: deps.retentionDays ?? 14,
          clock: deps.clock,
        });
        bundleDir = written.dir;
      }
      const report = analyze(bundle, { now: deps.clock.now(), ...(playbook.thresholds ? { thresholds: playbook.thresholds } : {}) });
      return { report, bundle, durationMs: deps.clock.now().getTime() - started, ...(bundleDir ? { bundleDir } : {}) };
    },
  };
}
