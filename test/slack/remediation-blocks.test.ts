import { describe, expect, it } from 'vitest';
import type { Finding, RemediationOfferView, RemediationRequestView } from '../../src/domain/index.js';
import { blocks } from '../../src/slack/index.js';

const { findingMessage, remediationRequestMessage, remediationOutputMessage, remediationResultMessage, MAX_CONFIRM_TEXT, MAX_BUTTON_TEXT } = blocks;

type Button = { action_id: string; value: string; style?: string; text: { text: string }; confirm?: { text: { text: string } } };
const buttons = (msg: { blocks: unknown[] }): Button[] =>
  (msg.blocks as { type: string; elements?: Button[] }[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);

const stuck: Finding = {
  code: 'CONTAINER_STOP_TIMEOUT',
  severity: 'warning',
  title: 'container 8f8020e79b13 did not stop',
  evidence: [{ spec: 'journal_docker', text: 'Container 8f8020e79b13 failed to exit within 10 seconds' }],
  fixes: [],
  subject: '8f8020e79b13',
};
const low: RemediationOfferView = { offerId: 'A'.repeat(22), title: 'Remove the stuck container', host: 'host-a3-60-17', risk: 'low', commands: ["docker rm -f '8f8020e79b13'"] };
const long: RemediationOfferView = { offerId: 'B'.repeat(22), title: 'x'.repeat(200), host: 'host-a3-60-17', risk: 'high', commands: ['y'.repeat(900)] };
const pending: RemediationRequestView = {
  requestId: 'C'.repeat(22),
  title: 'Remove the stuck container',
  host: 'host-a3-60-17',
  risk: 'low',
  commands: ["docker rm -f '8f8020e79b13'"],
  requestedBy: 'UREQ1',
  expiresAt: '2026-11-22T01:00:00.000Z',
  approvals: [],
  required: 1,
  state: 'pending',
};

describe('remediation Block Kit builders', () => {
  it('puts one button per offer under a finding, carrying only the offer id, with a confirmation of host and commands', () => {
    const msg = findingMessage('host-a3-60-17', stuck, [low, long]);
    const [first, second] = buttons(msg);
    expect(first).toMatchObject({ action_id: 'remediation_offer_0', value: low.offerId });
    expect(first?.style).toBeUndefined();
    expect(first?.confirm?.text.text).toContain("docker rm -f '8f8020e79b13'");
    expect(first?.confirm?.text.text).toContain('host-a3-60-17');
    expect(second).toMatchObject({ action_id: 'remediation_offer_1', value: long.offerId, style: 'danger' });
    expect(second?.confirm?.text.text.length).toBeLessThanOrEqual(MAX_CONFIRM_TEXT);
    expect(second?.text.text.length).toBeLessThanOrEqual(MAX_BUTTON_TEXT);
  });

  it('shows no buttons for a finding without offers', () => {
    expect(buttons(findingMessage('h', stuck))).toEqual([]);
  });

  it('gives a pending request Approve and Reject buttons whose value is the request id', () => {
    const msg = remediationRequestMessage(pending);
    expect(buttons(msg).map((b) => [b.action_id, b.value, b.text.text])).toEqual([
      ['remediation_approve', pending.requestId, 'Approve'],
      ['remediation_reject', pending.requestId, 'Reject'],
    ]);
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('<@UREQ1>');
    expect(text).toContain('risk *low*');
    expect(text).toContain(pending.expiresAt);
  });

  it('relabels the buttons of an expired, rejected or finished request with what became of it', () => {
    expect(buttons(remediationRequestMessage({ ...pending, state: 'expired' })).map((b) => b.text.text)).toEqual(['Expired']);
    expect(buttons(remediationRequestMessage({ ...pending, state: 'rejected', rejectedBy: 'UAPP1' })).map((b) => b.text.text)).toEqual(['Rejected']);
    const done = remediationRequestMessage({ ...pending, state: 'done', outcome: 'still_present', approvals: ['UAPP1'] });
    expect(JSON.stringify(done.blocks)).toContain('Done: still present');
  });

  it('keeps command output from ending its code block or becoming a mention', () => {
    const msg = remediationOutputMessage({ host: 'h', index: 0, command: 'docker rm -f x', exit: 0, timedOut: false, output: '```<!channel>' });
    const text = JSON.stringify(msg.blocks);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain("'''&lt;!channel&gt;");
  });

  it('quotes the remaining evidence when a fix left the finding in place', () => {
    const msg = remediationResultMessage({
      title: 'Remove the stuck container',
      host: 'h',
      status: 'still_present',
      remaining: [{ code: 'CONTAINER_STOP_TIMEOUT', title: 'still listed', evidence: [{ spec: 'journal_docker', text: 'failed to exit within 10 seconds' }] }],
      problems: [],
    });
    expect(msg.text).toBe('h: Remove the stuck container: still present');
    expect(JSON.stringify(msg.blocks)).toContain('failed to exit within 10 seconds');
  });
});
