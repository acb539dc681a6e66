import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AccessRule } from '../../../config/index.js';
import { decideAccess, hostsVisibleTo, type AccessDecision } from '../../../diagnosis/index.js';
import { InputError, type Actor, type DiagnosisView, type ForecastRowView, type GroupResolver, type HostDirectory, type HostRef, type Notifier } from '../../../domain/index.js';
import type { DiagnoseQueues, EnqueueOutcome, ZoneStatus } from '../../../queue/index.js';
import { createAckFirstGate } from '../../ack-first.js';
import { forecastTableText, groupMention, mention } from '../../blocks/index.js';
import { userTextForError } from '../../error-handler.js';
import { DIAG_USAGE, parseDiagCommand, type DiagCommand } from '../../parse-diag-command.js';
import { AccessDeniedError } from '../../slack-errors.js';
import { createSlackNotifier } from '../../slack-notifier.js';

export interface DiagCommandDeps {
  queues: Pick<DiagnoseQueues, 'request' | 'requestFleet' | 'status' | 'live'>;
  directory: HostDirectory;
  /** Playbooks that may be named; the first is not special, `defaultPlaybook` is used when none is. */
  playbooks: readonly string[];
  defaultPlaybook: string;
  /** Who may diagnose which hosts (SICKBAY_ACCESS_FILE); null: everyone, everywhere. */
  access: readonly AccessRule[] | null;
  /** The user groups the access rules name, and who is in them. */
  groups: GroupResolver;
  logger: Logger;
  /** Posts the parent message before queueing. @defaultValue a notifier over the listener's Web API client */
  notifier?: Notifier;
  /** A host's forecasts from its capacity history (`/diag forecast`); absent: the bot has no sweeps to read. */
  forecasts?: (host: string) => Promise<readonly ForecastRowView[]>;
}

/** Hosts one `/diag forecast tag:X` answers for: the answer is one ephemeral message. */
export const FORECAST_MAX_HOSTS = 20;

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

const ephemeral = (text: string) => ({ response_type: 'ephemeral' as const, text });

/** An error already presented (and logged) once: the reply repeats its words instead of presenting it again. */
class AnsweredError extends Error {
  constructor(
    readonly text: string,
    cause: unknown,
  ) {
    super(text, { cause });
  }
}

export function formatStatus(zones: readonly ZoneStatus[]): string {
  if (!zones.length) return 'No zones in the inventory.';
  return zones
    .map(
      (z) =>
        `*${z.zone}*: ${z.waiting} waiting · ${z.active} running · ${z.delayed} delayed · ${z.failed} failed · ${z.workers} worker connection${z.workers === 1 ? '' : 's'}` +
        (z.running.length ? `\n  running: ${z.running.join(', ')}` : ''),
    )
    .join('\n');
}

/** Why /diag was refused, and who may: the rules that cover the host, with their people as mentions. */
export function accessRefusalText(decision: Extract<AccessDecision, { allowed: false }>): string {
  const { host, covering } = decision;
  if (!covering.length) {
    return `No access rule covers ${host.name} (tags: ${host.tags.join(', ') || 'none'}), so nobody may diagnose it from Slack. Ask an admin to add one.`;
  }
  const who = covering
    .map((r) => {
      const names = [...r.users.map(mention), ...r.groups.map(groupMention)].join(', ');
      return `${r.name ?? `rule for ${[...r.tags.map((t) => `tag:${t}`), ...r.hosts].join(', ')}`}: ${names}`;
    })
    .join('; ');
  return `You may not diagnose ${host.name}: it is allowed only for ${who}.`;
}

function outcomeText(outcome: EnqueueOutcome, what: string, channel: string): string {
  if (outcome.status === 'queued') return `Queued: diagnosing ${what}. The results will appear in <#${channel}>.`;
  const where = outcome.parent ? `the thread of message ${outcome.parent.ts} in <#${outcome.parent.channel}>` : `<#${outcome.channel}> (the thread starts when a worker picks it up)`;
  return `${what} is already being diagnosed (asked by <@${outcome.requestedBy}>): your request joins it. Follow ${where}.`;
}

/**
 * /diag: acknowledged at once. Syntax errors, unknown hosts and help go back in the ack (ephemeral);
 * access checks and queueing follow through response_url.
 */
export function createDiagCommandHandler(deps: DiagCommandDeps) {
  const afterAcks = createAckFirstGate();

  async function actorOf(userId: string): Promise<Actor> {
    return { userId, groups: deps.access ? await deps.groups.groupsOf(userId) : [] };
  }

  function checkAccess(actor: Actor, hosts: readonly HostRef[]): void {
    for (const host of hosts) {
      const decision = decideAccess(deps.access, actor, host);
      if (!decision.allowed) throw new AccessDeniedError(accessRefusalText(decision));
    }
  }

  /** Hosts, tags and zones named to this person (hints, status): only those the access rules let them diagnose. */
  function visibleTo(actor: Actor): ((host: HostRef) => boolean) | undefined {
    return deps.access ? hostsVisibleTo(deps.access, actor) : undefined;
  }

  function resolveHosts(cmd: DiagCommand, actor?: Actor): readonly HostRef[] {
    const visible = actor ? visibleTo(actor) : undefined;
    const options = visible ? { visible } : {};
    if (cmd.kind === 'forecast') {
      const hosts = deps.directory.resolve(cmd.target, options);
      return cmd.target.startsWith('tag:') ? hosts : hosts.filter((h) => h.name === cmd.target).slice(0, 1);
    }
    if (cmd.kind !== 'host' && cmd.kind !== 'tag') return [];
    return deps.directory.resolve(cmd.kind === 'tag' ? `tag:${cmd.tag}` : cmd.host, options);
  }

  /** /diag status for this person: only the zones and running hosts the access rules let them diagnose. */
  async function statusText(actor: Actor): Promise<string> {
    const visible = visibleTo(actor);
    const seen = visible ? deps.directory.list().filter(visible) : deps.directory.list();
    if (visible && !seen.length) return 'The access rules let you diagnose no host, so there is no queue to show.';
    const zones = await deps.queues.status([...new Set(seen.map((h) => h.zone))]);
    if (!visible) return formatStatus(zones);
    const names = new Set(seen.map((h) => h.name));
    return formatStatus(zones.map((z) => ({ ...z, running: z.running.filter((r) => names.has(r)) })));
  }

  function playbookOf(cmd: { playbook?: string }): string {
    const playbook = cmd.playbook ?? deps.defaultPlaybook;
    if (!deps.playbooks.includes(playbook)) {
      throw new InputError('playbook_unknown', `There is no playbook \`${playbook}\`. Playbooks: ${deps.playbooks.map((p) => `\`${p}\``).join(', ')}.`);
    }
    return playbook;
  }

  /**
   * Posts the parent message ("Diagnosing HOST · queued") before queueing, so the channel hears at
   * once even while every worker is busy; the job carries it and the worker continues it. A request
   * that loses the race to an identical one deletes its parent and joins the other. When queueing
   * fails, the parent says so in the words the person is told (the same reference, if any).
   */
  async function queueWithParent(
    host: HostRef,
    base: { playbook: string; requestedBy: string; channel: string },
    client: Args['client'],
    log: Logger,
    context: Record<string, unknown>,
  ): Promise<EnqueueOutcome> {
    const notifier = deps.notifier ?? createSlackNotifier(client, { logger: log });
    const view: DiagnosisView = { host: host.name, playbook: base.playbook, requestedBy: base.requestedBy, phase: 'queued', stepsDone: 0, stepsTotal: 0 };
    const parent = await notifier.post(base.channel, { kind: 'diagnosis', view });
    let outcome: EnqueueOutcome;
    try {
      outcome = await deps.queues.request({ ...base, host, parent });
    } catch (err) {
      const text = userTextForError(err, log, context);
      await notifier.update(parent, { kind: 'diagnosis', view: { ...view, phase: 'failed', error: text } }).catch(() => undefined);
      throw new AnsweredError(text, err);
    }
    if (outcome.status === 'joined') await notifier.remove(parent).catch((err: unknown) => log.warn({ err }, 'cannot delete a duplicate parent'));
    return outcome;
  }

  /** The forecast table of each host (the first FORECAST_MAX_HOSTS of a tag), read from the capacity history. */
  async function forecastAnswer(hosts: readonly HostRef[], log: Logger): Promise<string> {
    const read = deps.forecasts;
    if (!read) return 'No capacity sweeps are read by this bot (SICKBAY_SWEEPS_FILE is not set), so there is no forecast to show.';
    const shown = hosts.slice(0, FORECAST_MAX_HOSTS);
    const answered = await Promise.all(
      shown.map(async (h) => {
        try {
          return { host: h.name, rows: await read(h.name) };
        } catch (err) {
          return { host: h.name, rows: [], error: userTextForError(err, log, { host: h.name }) };
        }
      }),
    );
    const more = hosts.length > shown.length ? `\n${hosts.length - shown.length} more hosts not shown: ask for them one by one.` : '';
    return forecastTableText({ hosts: answered }) + more;
  }

  return async function onDiag({ command, ack, respond, client }: Args): Promise<void> {
    const log = deps.logger.child({ user: command.user_id, channel: command.channel_id });
    let cmd: DiagCommand;
    let hosts: readonly HostRef[] = [];
    let playbook = deps.defaultPlaybook;
    try {
      cmd = parseDiagCommand(command.text);
      if (cmd.kind === 'host' || cmd.kind === 'tag') playbook = playbookOf(cmd);
      // Without access rules every name may be hinted at once, in the ack. With them, the hints
      // wait for the person's groups (a Slack call, after the ack) so that they name only what
      // this person may diagnose.
      if (!deps.access) hosts = resolveHosts(cmd);
    } catch (err) {
      await ack(ephemeral(userTextForError(err, log, { text: command.text })));
      return;
    }
    if (cmd.kind === 'help') {
      await ack(ephemeral(`*sickbay* diagnoses Docker hosts.\n${DIAG_USAGE}\nPlaybooks: ${deps.playbooks.join(', ')}`));
      return;
    }
    await ack();
    await afterAcks();
    try {
      const actor = await actorOf(command.user_id);
      if (cmd.kind === 'status') {
        await respond(ephemeral(await statusText(actor)));
        return;
      }
      if (deps.access) hosts = resolveHosts(cmd, actor);
      checkAccess(actor, hosts);
      if (cmd.kind === 'forecast') {
        await respond(ephemeral(await forecastAnswer(hosts, log)));
        return;
      }
      const base = { playbook, requestedBy: command.user_id, channel: command.channel_id };
      if (cmd.kind === 'tag') {
        const outcome = await deps.queues.requestFleet({ ...base, tag: cmd.tag, hosts });
        await respond(ephemeral(outcomeText(outcome, `${hosts.length} hosts tagged ${cmd.tag}`, command.channel_id)));
      } else {
        const host = hosts.find((h) => h.name === cmd.host) ?? hosts[0];
        if (!host) throw new InputError('host_unknown', `${cmd.host} is not in the inventory.`);
        const outcome = (await deps.queues.live(host, playbook)) ?? (await queueWithParent(host, base, client, log, { text: command.text }));
        log.info({ host: host.name, playbook, outcome: outcome.status, jobId: outcome.jobId }, '/diag');
        await respond(ephemeral(outcomeText(outcome, host.name, command.channel_id)));
      }
    } catch (err) {
      await respond(ephemeral(err instanceof AnsweredError ? err.text : userTextForError(err, log, { text: command.text })));
    }
  };
}

/** Registers `/diag` on the app. */
export function register(app: App, deps: DiagCommandDeps): void {
  app.command('/diag', createDiagCommandHandler(deps));
}
