import { plural, type RemediationOfferView, type RemediationOutputView, type RemediationRequestView, type RemediationResultView } from '../../domain/index.js';
import { context, escapeMrkdwn, evidenceText, mention, message, section } from './common.js';
import { clip, MAX_ACTIONS, MAX_BUTTON_TEXT, MAX_CONFIRM_TEXT, MAX_CONFIRM_TITLE, MAX_SECTION_TEXT } from './limits.js';
import type { Block, ButtonElement, SlackMessage } from './types.js';

/** Action ids the listeners route on (slack/listeners/actions/remediation.ts). */
export const REMEDIATION_ACTIONS = {
  /** A remediation button under a finding; action ids are `remediation_offer_<n>` (unique per message). */
  offerPrefix: 'remediation_offer_',
  approve: 'remediation_approve',
  reject: 'remediation_reject',
} as const;

const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: clip(text, max) });

/** Lines as a code block: escaped (host text never becomes a mention or a link), and ``` cannot end it early. */
export function codeBlock(lines: readonly string[], max = MAX_SECTION_TEXT - 20): string {
  return `\`\`\`${clip(escapeMrkdwn(lines.join('\n').replace(/```/g, "'''")), max)}\`\`\``;
}

function offerButton(offer: RemediationOfferView, index: number): ButtonElement {
  const head = `*${escapeMrkdwn(offer.host)}* · risk ${offer.risk} · runs:\n`;
  return {
    type: 'button',
    action_id: `${REMEDIATION_ACTIONS.offerPrefix}${index}`,
    text: plain(`Fix: ${offer.title}`, MAX_BUTTON_TEXT),
    value: offer.offerId,
    ...(offer.risk === 'high' ? { style: 'danger' as const } : {}),
    confirm: {
      title: plain(`Request this fix on ${offer.host}?`, MAX_CONFIRM_TITLE),
      text: { type: 'mrkdwn', text: clip(`${head}${codeBlock(offer.commands, MAX_CONFIRM_TEXT - head.length - 6)}`, MAX_CONFIRM_TEXT) },
      confirm: plain('Request approval', 30),
      deny: plain('Cancel', 30),
    },
  };
}

/** The buttons under a finding: one per remediation offered, each with a confirmation of host and commands. */
export function offerBlocks(offers: readonly RemediationOfferView[]): Block[] {
  if (offers.length === 0) return [];
  return [
    { type: 'actions', block_id: 'remediation_offers', elements: offers.slice(0, MAX_ACTIONS).map(offerButton) },
    context('A fix runs only after approval; the request shows the exact commands and the host.'),
  ];
}

const STATE_LABEL: Readonly<Record<RemediationRequestView['state'], string>> = {
  pending: 'Waiting for approval',
  approved: 'Approved',
  running: 'Running',
  done: 'Done',
  rejected: 'Rejected',
  expired: 'Expired',
  void: 'Void (plan changed)',
};

function statusLine(view: RemediationRequestView): string {
  const approvals = view.approvals.length ? ` by ${view.approvals.map(mention).join(', ')}` : '';
  switch (view.state) {
    case 'pending':
      return `:hourglass: ${view.approvals.length} of ${plural(view.required, 'approval')}${approvals} · expires ${view.expiresAt}`;
    case 'approved':
    case 'running':
      return `:gear: Approved${approvals}; running on ${escapeMrkdwn(view.host)}`;
    case 'done':
      return `:checkered_flag: Done${view.outcome ? `: ${view.outcome.replace('_', ' ')}` : ''} (approved${approvals})`;
    case 'rejected':
      return `:no_entry_sign: Rejected${view.rejectedBy ? ` by ${mention(view.rejectedBy)}` : ''}; nothing ran`;
    case 'expired':
      return `:alarm_clock: Expired at ${view.expiresAt} without enough approvals; nothing ran. Request it again if it is still needed.`;
    case 'void':
      return ':warning: The playbook changed after the request, so its approvals no longer hold; nothing ran.';
  }
}

/**
 * The approval request in the thread. Pending: Approve and Reject, whose values are the request id.
 * Otherwise one button that says what became of it (a click on it is answered with the reason).
 */
export function remediationRequestMessage(view: RemediationRequestView): SlackMessage {
  const buttons: ButtonElement[] =
    view.state === 'pending'
      ? [
          { type: 'button', action_id: REMEDIATION_ACTIONS.approve, text: plain('Approve', MAX_BUTTON_TEXT), value: view.requestId, style: 'primary' },
          { type: 'button', action_id: REMEDIATION_ACTIONS.reject, text: plain('Reject', MAX_BUTTON_TEXT), value: view.requestId, style: 'danger' },
        ]
      : [{ type: 'button', action_id: REMEDIATION_ACTIONS.approve, text: plain(STATE_LABEL[view.state], MAX_BUTTON_TEXT), value: view.requestId }];
  return message(`Remediation ${STATE_LABEL[view.state].toLowerCase()}: ${view.title} on ${view.host}`, [
    section(
      `:wrench: ${mention(view.requestedBy)} requests *${escapeMrkdwn(view.title)}* on *${escapeMrkdwn(view.host)}* · risk *${view.risk}* · ${view.required} approval${view.required === 1 ? '' : 's'} needed`,
    ),
    section(`*Commands*\n${codeBlock(view.commands)}`),
    context(statusLine(view)),
    { type: 'actions', block_id: 'remediation_request', elements: buttons },
  ]);
}

/** One command's output, as soon as it finished. */
export function remediationOutputMessage(view: RemediationOutputView): SlackMessage {
  const how = view.timedOut ? 'timed out' : view.error !== undefined ? `could not run: ${view.error}` : `exit ${String(view.exit)}`;
  const ok = view.exit === 0 && !view.timedOut && view.error === undefined;
  return message(`${view.host}: ${view.command} (${how})`, [
    section(`${ok ? ':white_check_mark:' : ':x:'} Command ${view.index + 1} on *${escapeMrkdwn(view.host)}* · ${escapeMrkdwn(how)}\n${codeBlock([`$ ${view.command}`])}`),
    ...(view.output.trim() ? [section(codeBlock([view.output.trimEnd()]))] : [context('no output')]),
  ]);
}

const RESULT_HEAD: Readonly<Record<RemediationResultView['status'], string>> = {
  fixed: ':white_check_mark: Fixed',
  still_present: ':x: Still present',
  unverified: ':warning: Unverified',
  failed: ':x: Failed',
  not_run: ':no_entry_sign: Not run',
};

/** The verdict after the verify step: "fixed", "still present" with the evidence, "unverified", or why it failed. */
export function remediationResultMessage(view: RemediationResultView): SlackMessage {
  const head = `${RESULT_HEAD[view.status]}: *${escapeMrkdwn(view.title)}* on *${escapeMrkdwn(view.host)}*`;
  const blocks: Block[] = [section(view.reason ? `${head}\n${escapeMrkdwn(view.reason)}` : head)];
  for (const f of view.remaining) {
    blocks.push(section(`\`${f.code}\` ${escapeMrkdwn(f.title)}\n${codeBlock([evidenceText(f.evidence)])}`));
  }
  if (view.problems.length) blocks.push(context(`Verification problems: ${view.problems.map(escapeMrkdwn).join('; ')}`));
  return message(`${view.host}: ${view.title}: ${RESULT_HEAD[view.status].replace(/^:[a-z_]+: /, '').toLowerCase()}`, blocks);
}
