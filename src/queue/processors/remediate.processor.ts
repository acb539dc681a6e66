import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { errorText, hostNamed, presentError, type CommandRunner, type HostDirectory, type HostRef, type MessageRef, type Notifier, type OutboundMessage } from '../../domain/index.js';
import { requestView, resultView, type ExecutionProgress, type RemediationService } from '../../remediation/index.js';
import { BadJobDataError } from '../queue-errors.js';
import { RemediateJobDataSchema } from '../remediate-queue.js';
import type { RedactPort } from './diagnose.processor.js';

export interface RemediateProcessorDeps {
  service: Pick<RemediationService, 'get' | 'execute'>;
  /** Where hosts are looked up: the inventory of this worker. */
  directory: HostDirectory;
  /** Opens a runner on the host (an SSH connection in production). */
  connect: (host: HostRef) => Promise<CommandRunner>;
  notifier: Notifier;
  redactor: RedactPort;
  logger: Logger;
  /** Run the commands through sudo -n. @defaultValue true */
  sudo?: boolean;
  /** Deadline of each remediation command. @defaultValue 120000 */
  commandTimeoutMs?: number;
}

/**
 * Runs one approved remediation: looks the host up, opens a runner, lets the service claim and run
 * it (exactly once per request), streams each command's output into the thread (redacted), then
 * posts the verdict and turns the approval message into its final state.
 */
export function createRemediateProcessor(deps: RemediateProcessorDeps) {
  const { notifier, redactor } = deps;
  return async function processRemediate(job: Job): Promise<{ status: string }> {
    const parsed = RemediateJobDataSchema.safeParse(job.data);
    if (!parsed.success) {
      const err = new BadJobDataError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      deps.logger.error({ jobId: job.id, err }, 'dropping remediate job with invalid data');
      throw new UnrecoverableError(err.message);
    }
    const data = parsed.data;
    const log = deps.logger.child({ jobId: job.id, requestId: data.requestId, host: data.host });
    const request = await deps.service.get(data.requestId);
    if (!request) {
      log.warn('remediate job for a request that is not in the approval store');
      return { status: 'unknown_request' };
    }
    const showRequest = async (ref: MessageRef): Promise<void> => {
      const current = await deps.service.get(data.requestId);
      if (current) await notifier.update(ref, { kind: 'remediation-request', view: requestView(current, data.required) });
    };
    const say = (message: OutboundMessage) => notifier.reply(data.thread, message);
    const notRun = async (reason: string): Promise<{ status: string }> => {
      await say({ kind: 'remediation-result', view: { title: request.plan.title, host: request.plan.host, status: 'not_run', remaining: [], problems: [], reason: redactor.text(reason) } });
      return { status: 'not_run' };
    };

    const host = hostNamed(deps.directory, request.plan.host);
    if (!host) return notRun(`${request.plan.host} is not in the inventory of this worker, so nothing ran.`);
    let runner: CommandRunner;
    try {
      runner = await deps.connect(host);
    } catch (err) {
      const report = presentError(err, log, {}, 'cannot connect for a remediation');
      return notRun(`Could not connect to ${host.name}: ${errorText(report).replace(/\.$/, '')}. Nothing ran; the approval still holds until it expires.`);
    }
    // Each command's output goes to the thread in order, while the next one runs.
    let posts: Promise<unknown> = Promise.resolve();
    const onProgress = (event: ExecutionProgress): void => {
      if (event.kind === 'command-started' && event.index === 0) posts = posts.then(() => showRequest(data.approval));
      if (event.kind !== 'command-finished') return;
      const { result } = event;
      const output = redactor.text([result.stdout, result.stderr].filter((t) => t.trim() !== '').join('\n'));
      posts = posts.then(() =>
        say({
          kind: 'remediation-output',
          view: {
            host: host.name,
            index: event.index,
            command: event.command,
            exit: result.exit,
            timedOut: result.timedOut,
            output,
            ...(result.error !== undefined ? { error: redactor.text(result.error) } : {}),
          },
        }),
      );
    };
    try {
      const outcome = await deps.service.execute(data.requestId, runner, {
        onProgress,
        sudo: deps.sudo ?? true,
        ...(deps.commandTimeoutMs !== undefined ? { commandTimeoutMs: deps.commandTimeoutMs } : {}),
      });
      await posts;
      const view = redactor.deep(resultView(request, outcome));
      await say({ kind: 'remediation-result', view });
      await showRequest(data.approval);
      log.info({ ran: outcome.ran, status: view.status }, 'remediation finished');
      return { status: view.status };
    } finally {
      await posts.catch(() => undefined);
      await runner.close();
    }
  };
}
