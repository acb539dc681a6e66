import type { Finding } from '../domain/index.js';
import {
  checkParams,
  describeValue,
  loadPlaybooks,
  ownValue,
  PARAM_TYPES,
  ParamError,
  parseDuration,
  placeholders,
  renderTemplate,
  type LoadedPlaybooks,
  type Param,
  type Playbook,
  type Remediation,
} from '../playbooks/index.js';
import { parseRemediationPlan, type RemediationPlan, type VerifyStep } from './plan.schema.js';
import type { PlanSource } from './remediation-service.js';
import { RemediationPlanError } from './remediation-errors.js';

export interface PlanFromPlaybookOptions {
  /** Inventory name of the host the commands will run on. */
  host: string;
  /** Values from chat, an alert or a finding; each must match its param's anchored pattern. */
  params?: Readonly<Record<string, string>>;
  /** Slack user id of whoever asks for it. */
  requestedBy: string;
  /** The finding the fix is offered for: the remediation must answer its code. */
  finding?: Finding;
}

/** A remediation that answers a finding, with the params the finding implies. */
export interface RemediationOffer {
  playbook: string;
  remediation: Remediation;
  params: Record<string, string>;
  /** The container (short id) the fix acts on, when it takes one. */
  container?: string;
}

/** The params a remediation can use: the playbook's, then its own (which win). */
function paramScope(playbook: Playbook, remediation: Remediation): Record<string, Param> {
  return { ...(playbook.params ?? {}), ...(remediation.params ?? {}) };
}

function findRemediation(playbook: Playbook, remediationId: string): Remediation {
  const found = (playbook.remediations ?? []).find((r) => r.id === remediationId);
  if (found) return found;
  const known = (playbook.remediations ?? []).map((r) => r.id);
  throw new RemediationPlanError(
    'remediation_unknown',
    `playbook ${playbook.name} has no remediation ${describeValue(remediationId)}; it has ${known.join(', ') || 'none'}`,
  );
}

/** Renders a template whose every placeholder has a vetted value; a missing one is refused, not guessed. */
function render(template: string, values: Readonly<Record<string, string>>, what: string): string {
  const missing = placeholders(template).find((p) => ownValue(values, p.name) === undefined);
  if (missing) throw new RemediationPlanError('remediation_param_missing', `${what} needs param ${missing.name}, and none was given`);
  return renderTemplate(template, values);
}

/**
 * Renders one remediation of a playbook into a plan: params are checked against their anchored
 * patterns first (ParamError, before anything else happens), then the commands and the verify steps
 * (the playbook's own steps, by id) are rendered with the single-quoted values.
 */
export function planFromPlaybook(playbook: Playbook, remediationId: string, options: PlanFromPlaybookOptions): RemediationPlan {
  const remediation = findRemediation(playbook, remediationId);
  const context = `remediation ${remediation.id} of playbook ${playbook.name}`;
  const values = checkParams(paramScope(playbook, remediation), options.params ?? {}, context);
  if (options.finding && !remediation.answers.includes(options.finding.code)) {
    throw new RemediationPlanError(
      'remediation_does_not_answer',
      `${context} does not answer ${options.finding.code}; it answers ${remediation.answers.join(', ')}`,
    );
  }
  const commands = remediation.commands.map((c, i) => render(c, values, `${context}, command ${i + 1}`));
  const steps: VerifyStep[] = remediation.verify.steps.map((id) => {
    const step = playbook.steps.find((s) => s.id === id);
    if (!step) throw new RemediationPlanError('remediation_plan_invalid', `${context} verifies with step ${id}, which the playbook does not have`);
    return { id: step.id, spec: step.spec, command: render(step.command, values, `${context}, verify step ${id}`), timeoutMs: parseDuration(step.timeout) };
  });
  const subjectParam = remediation.verify.subject;
  const subject = subjectParam === undefined ? undefined : ownValue(values, subjectParam);
  if (subjectParam !== undefined && subject === undefined) {
    throw new RemediationPlanError('remediation_param_missing', `${context} is about param ${subjectParam}, and none was given`);
  }
  return parseRemediationPlan({
    id: remediation.id,
    title: remediation.title,
    host: options.host,
    commands,
    risk: remediation.risk,
    ...(remediation.approvers ? { minApprovals: remediation.approvers.min } : {}),
    answers: remediation.answers,
    verify: {
      steps,
      gone: remediation.verify.gone,
      ...(subject !== undefined ? { subject } : {}),
      ...(remediation.verify.settle !== undefined ? { settleMs: parseDuration(remediation.verify.settle) } : {}),
    },
    requestedBy: options.requestedBy,
    source: { playbook: playbook.name, params: values },
  });
}

const CONTAINER_KEYS = ['container_id', 'container', 'id'] as const;

/** The container a finding is about: its subject, else a container id in its data; only a well-formed id. */
export function containerOf(finding: Finding): string | undefined {
  const candidates = [finding.subject, ...CONTAINER_KEYS.map((k) => ownValue(finding.data, k))];
  return candidates.find((v): v is string => typeof v === 'string' && PARAM_TYPES.container_id.test(v));
}

/** Docker's short id: what `docker ps` shows and what dockerd often logs instead of the full one. */
const SHORT_ID_LENGTH = 12;

/**
 * Which shipped remediations answer a finding (by code), with the params it implies: the
 * container's short id for every `container_id` param when the finding is about a container (the
 * short id also finds the dockerd lines that name only it, so the verification sees them). A
 * remediation whose required params the finding cannot fill is not offered (nobody can guess them).
 */
export function remediationsFor(finding: Finding, playbooks: LoadedPlaybooks): RemediationOffer[] {
  const offers: RemediationOffer[] = [];
  const container = containerOf(finding)?.slice(0, SHORT_ID_LENGTH);
  for (const { playbook } of playbooks.playbooks.values()) {
    for (const remediation of playbook.remediations ?? []) {
      if (!remediation.answers.includes(finding.code)) continue;
      // The finding says this cannot work here (a restart of a daemon stuck in the kernel): no button for it.
      if (finding.will_not_help?.some((futile) => remediation.commands.some((c) => c.includes(futile)))) continue;
      const scope = paramScope(playbook, remediation);
      const params: Record<string, string> = {};
      for (const [name, decl] of Object.entries(scope)) {
        if (decl.type === 'container_id' && container !== undefined) params[name] = container;
      }
      if (Object.entries(scope).some(([name, decl]) => decl.required && params[name] === undefined)) continue;
      const acts = Object.values(scope).some((decl) => decl.type === 'container_id') && container !== undefined;
      offers.push({ playbook: playbook.name, remediation, params, ...(acts ? { container } : {}) });
    }
  }
  return offers;
}

/** Every remediation id shipped, with the playbook that holds it; ids must be unique across playbooks. */
export function remediationIndex(playbooks: LoadedPlaybooks): Map<string, string> {
  const index = new Map<string, string>();
  for (const { playbook } of playbooks.playbooks.values()) {
    for (const { id } of playbook.remediations ?? []) {
      const first = index.get(id);
      if (first !== undefined) {
        throw new RemediationPlanError('remediation_id_duplicate', `remediation ${id} is defined in playbooks ${first} and ${playbook.name}; ids must be unique`);
      }
      index.set(id, playbook.name);
    }
  }
  return index;
}

/**
 * A PlanSource over a playbooks directory: every click re-reads the directory and re-renders the
 * requested plan from the playbook as it is now. An edit to its commands, verify steps or params
 * changes the digest and voids the approval; a removed remediation or playbook, a playbook that no
 * longer loads, or params it now refuses make the plan null (also void).
 */
export class PlaybookPlanSource implements PlanSource {
  private readonly load: () => Promise<LoadedPlaybooks>;

  constructor(source: string | (() => Promise<LoadedPlaybooks>)) {
    this.load = typeof source === 'string' ? () => loadPlaybooks(source) : source;
  }

  async current(requested: RemediationPlan): Promise<RemediationPlan | null> {
    if (!requested.source) return null;
    const playbook = (await this.load()).playbooks.get(requested.source.playbook)?.playbook;
    if (!playbook) return null;
    try {
      return planFromPlaybook(playbook, requested.id, { host: requested.host, params: requested.source.params, requestedBy: requested.requestedBy });
    } catch (err) {
      if (err instanceof RemediationPlanError || err instanceof ParamError) return null;
      throw err;
    }
  }
}
