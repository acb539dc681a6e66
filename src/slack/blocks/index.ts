import type { OutboundMessage } from '../../domain/index.js';
import { diagnosisMessage } from './diagnosis.js';
import { findingMessage, hostFindingsMessage, textMessage } from './finding.js';
import { fleetMessage } from './fleet.js';
import { remediationOutputMessage, remediationRequestMessage, remediationResultMessage } from './remediation.js';
import { incidentMessage } from './incident.js';
import { capacityChangeMessage, capacityMessage } from './capacity.js';
import type { SlackMessage } from './types.js';

export * from './limits.js';
export { escapeMrkdwn, evidenceText, groupMention, mention, withMentions } from './common.js';
export type * from './types.js';
export { diagnosisMessage, reportBlocks, findingLine } from './diagnosis.js';
export { EVIDENCE_INLINE_CHARS, findingMessage, hostFindingsMessage, textMessage } from './finding.js';
export { fleetMessage, fleetLines } from './fleet.js';
export { offerBlocks, remediationOutputMessage, remediationRequestMessage, remediationResultMessage, REMEDIATION_ACTIONS } from './remediation.js';
export { incidentMessage, INCIDENT_HOSTS_SHOWN } from './incident.js';
export { capacityChangeMessage, capacityMessage, forecastTableText } from './capacity.js';

/** Renders what the core asks to show as a Block Kit message. */
export function renderMessage(msg: OutboundMessage): SlackMessage {
  switch (msg.kind) {
    case 'diagnosis':
      return diagnosisMessage(msg.view);
    case 'finding':
      return findingMessage(msg.host, msg.finding, msg.offers, msg.instances, msg.fixesGivenBefore);
    case 'fleet':
      return fleetMessage(msg.view);
    case 'host-findings':
      return hostFindingsMessage(msg.host, msg.report);
    case 'text':
      return textMessage(msg.text, msg.tone);
    case 'remediation-request':
      return remediationRequestMessage(msg.view);
    case 'remediation-output':
      return remediationOutputMessage(msg.view);
    case 'remediation-result':
      return remediationResultMessage(msg.view);
    case 'incident':
      return incidentMessage(msg.view);
    case 'capacity':
      return capacityMessage(msg.view);
    case 'capacity-change':
      return capacityChangeMessage(msg.view);
  }
}
