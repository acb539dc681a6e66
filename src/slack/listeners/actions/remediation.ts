import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { MessageRef, Notifier } from '../../../domain/index.js';
import type { RemediateJobData } from '../../../queue/index.js';
import { requestView, resolvePolicy, type ApprovalRequest, type PolicyConfig, type RemediationDesk, type RemediationService } from '../../../remediation/index.js';
import { REMEDIATION_ACTIONS, withMentions } from '../../blocks/index.js';
import { userTextForError } from '../../error-handler.js';

export interface RemediationActionDeps {
  desk: Pick<RemediationDesk, 'request'>;
  service: Pick<RemediationService, 'approve' | 'reject'>;
  /** Where approval messages are remembered (OfferStore). */
  messages: {
    rememberMessage(requestId: string, ref: { message: MessageRef; thread: MessageRef }, ttlMs: number): Promise<void>;
    messageOf(requestId: string): Promise<{ message: MessageRef; thread: MessageRef } | null>;
  };
  policy: PolicyConfig;
  queue: { enqueue(data: RemediateJobData): Promise<{ jobId: string }> };
  /** The zone of an inventory host, so the fix runs on a worker that can reach it. */
  zoneOf(host: string): string | undefined;
  notifier: Notifier;
  logger: Logger;
  /** How long an approval message's location is kept. @defaultValue 7 days */
  messageRetentionMs?: number;
}

type Args = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** Who clicked, where, and the button's value: everything else comes from Redis. */
function clickOf(body: BlockAction<ButtonAction>, action: ButtonAction) {
  const channel = body.channel?.id ?? body.container.channel_id;
  const ts = body.message?.ts ?? body.container.message_ts;
  const threadTs = (body.message as { thread_ts?: string } | undefined)?.thread_ts ?? body.container.thread_ts ?? ts;
  return { user: body.user.id, value: action.value ?? '', channel: String(channel ?? ''), ts: String(ts ?? ''), threadTs: String(threadTs ?? '') };
}

/**
 * The remediation buttons: an offer under a finding becomes an approval request in the thread;
 * Approve and Reject go through policy and the atomic store; a complete approval becomes one
 * `remediate` job. Every refusal is an ephemeral reply with the reason (the service audits it).
 */
export function register(app: App, deps: RemediationActionDeps): void {
  const required = (request: ApprovalRequest) => resolvePolicy(deps.policy, request.plan).approvalsRequired;
  const ephemeral = async (click: ReturnType<typeof clickOf>, text: string): Promise<void> => {
    await deps.notifier.ephemeral(click.channel, click.user, text);
  };
  const refresh = async (request: ApprovalRequest, fallback: MessageRef): Promise<void> => {
    const where = (await deps.messages.messageOf(request.id))?.message ?? fallback;
    await deps.notifier.update(where, { kind: 'remediation-request', view: requestView(request, required(request)) });
  };
  const guarded = (what: string, work: (args: Args, click: ReturnType<typeof clickOf>) => Promise<void>) => async (args: Args) => {
    await args.ack();
    const click = clickOf(args.body, args.action);
    const log = deps.logger.child({ action: what, user: click.user, channel: click.channel });
    try {
      await work(args, click);
    } catch (err) {
      await ephemeral(click, userTextForError(err, log)).catch((e: unknown) => log.error({ err: e }, 'cannot answer a click'));
    }
  };

  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: new RegExp(`^${REMEDIATION_ACTIONS.offerPrefix}\\d+$`) },
    guarded('offer', async (_args, click) => {
      const outcome = await deps.desk.request(click.value, click.user);
      if (!outcome.decision.allowed || !outcome.request) {
        await ephemeral(click, withMentions(outcome.decision));
        return;
      }
      const request = outcome.request;
      const thread = { channel: click.channel, ts: click.threadTs };
      const message = await deps.notifier.reply(thread, { kind: 'remediation-request', view: requestView(request, required(request)) });
      await deps.messages.rememberMessage(request.id, { message, thread }, deps.messageRetentionMs ?? 7 * 24 * 60 * 60 * 1000);
    }),
  );

  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: REMEDIATION_ACTIONS.approve },
    guarded('approve', async (_args, click) => {
      const outcome = await deps.service.approve(click.value, click.user);
      const clicked = { channel: click.channel, ts: click.ts };
      // A message that cannot be updated must not keep an approved fix from being queued.
      if (outcome.request) await refresh(outcome.request, clicked).catch((err: unknown) => deps.logger.warn({ err }, 'cannot update an approval message'));
      if (!outcome.decision.allowed) {
        await ephemeral(click, withMentions(outcome.decision));
        return;
      }
      if (!outcome.readyToRun || !outcome.request) return;
      const where = await deps.messages.messageOf(outcome.request.id);
      const zone = deps.zoneOf(outcome.request.plan.host);
      if (!zone) {
        await ephemeral(click, `${outcome.request.plan.host} is no longer in the inventory; the fix was not queued.`);
        return;
      }
      await deps.queue.enqueue({
        requestId: outcome.request.id,
        host: outcome.request.plan.host,
        zone,
        approvedBy: click.user,
        thread: where?.thread ?? { channel: click.channel, ts: click.threadTs },
        approval: where?.message ?? clicked,
        required: outcome.required,
      });
    }),
  );

  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: REMEDIATION_ACTIONS.reject },
    guarded('reject', async (_args, click) => {
      const outcome = await deps.service.reject(click.value, click.user);
      if (outcome.request) await refresh(outcome.request, { channel: click.channel, ts: click.ts });
      if (!outcome.decision.allowed) await ephemeral(click, withMentions(outcome.decision));
    }),
  );
}
