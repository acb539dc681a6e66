import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { InputError, type AnalysisReport, type Finding, type OutboundMessage } from '../../src/domain/index.js';
import { blocks } from '../../src/slack/index.js';
import { userTextForError } from '../../src/slack/error-handler.js';
import { HOSTILE_TEXT, RAW_CONTROL, stringsIn } from '../helpers/hostile-text.js';

const finding: Finding = {
  code: 'FS_FULL',
  severity: 'critical',
  title: HOSTILE_TEXT,
  subject: HOSTILE_TEXT,
  evidence: [{ spec: 'dmesg', line: 7, text: HOSTILE_TEXT }],
  fixes: [{ title: HOSTILE_TEXT, commands: [`du -sh ${HOSTILE_TEXT}`], detail: HOSTILE_TEXT }],
};
const report: AnalysisReport = {
  host: HOSTILE_TEXT,
  findings: [finding],
  root_cause: { code: 'FS_FULL', title: HOSTILE_TEXT, summary: HOSTILE_TEXT, explains: ['FS_FULL'] },
  gaps: [{ spec: 'docker_info', reason: HOSTILE_TEXT }],
};
const offer = { offerId: 'A'.repeat(22), title: HOSTILE_TEXT, host: HOSTILE_TEXT, risk: 'high' as const, commands: [HOSTILE_TEXT] };

/** One message of every kind, each carrying hostile host text wherever a host can put some. */
const MESSAGES: ReadonlyArray<[string, OutboundMessage]> = [
  ['diagnosis done', { kind: 'diagnosis', view: { host: 'h1', playbook: 'docker-host', requestedBy: 'U1', phase: 'done', stepsDone: 1, stepsTotal: 1, report } }],
  ['diagnosis running', { kind: 'diagnosis', view: { host: 'h1', playbook: 'docker-host', requestedBy: 'U1', phase: 'running', stepsDone: 1, stepsTotal: 9, lastStep: HOSTILE_TEXT } }],
  ['diagnosis failed', { kind: 'diagnosis', view: { host: 'h1', playbook: 'docker-host', requestedBy: 'U1', phase: 'failed', stepsDone: 0, stepsTotal: 0, error: HOSTILE_TEXT } }],
  ['finding with offers', { kind: 'finding', host: 'h1', finding, offers: [offer] }],
  ['fleet', { kind: 'fleet', view: { tag: 'mesos', playbook: 'docker-host', requestedBy: 'U1', hosts: [{ host: 'h1', report }, { host: 'h2', error: HOSTILE_TEXT }] } }],
  ['host findings', { kind: 'host-findings', host: HOSTILE_TEXT, report }],
  ['text', { kind: 'text', text: HOSTILE_TEXT }],
  [
    'remediation request',
    {
      kind: 'remediation-request',
      view: { requestId: 'C'.repeat(22), title: HOSTILE_TEXT, host: HOSTILE_TEXT, risk: 'low', commands: [HOSTILE_TEXT], requestedBy: 'U1', expiresAt: '2026-01-01T00:00:00.000Z', approvals: [], required: 1, state: 'pending' },
    },
  ],
  ['remediation output', { kind: 'remediation-output', view: { host: HOSTILE_TEXT, index: 0, command: HOSTILE_TEXT, exit: 1, timedOut: false, output: HOSTILE_TEXT, error: HOSTILE_TEXT } }],
  [
    'remediation result',
    { kind: 'remediation-result', view: { title: HOSTILE_TEXT, host: HOSTILE_TEXT, status: 'still_present', remaining: [{ code: 'FS_FULL', title: HOSTILE_TEXT, evidence: [{ spec: 'dmesg', text: HOSTILE_TEXT }] }], problems: [HOSTILE_TEXT], reason: HOSTILE_TEXT } },
  ],
  [
    'incident',
    { kind: 'incident', view: { headline: HOSTILE_TEXT, kind: 'failures', appId: HOSTILE_TEXT, count: 2, hosts: [HOSTILE_TEXT], exitCodes: { '137': 2 }, firstAt: '2026-01-01T00:00:00.000Z', lastAt: '2026-01-01T00:01:00.000Z', latestTaskId: HOSTILE_TEXT, source: HOSTILE_TEXT } },
  ],
];

describe('Block Kit messages show host text, never pass its control characters on', () => {
  it.each(MESSAGES)('%s', (_name, msg) => {
    const rendered = blocks.renderMessage(msg);
    const bad = stringsIn(rendered).filter((s) => RAW_CONTROL.test(s));
    expect(bad).toEqual([]);
    expect(JSON.stringify(rendered)).toContain('␛]0;owned␇');
  });

  it('an error shown in the channel', () => {
    const text = userTextForError(new InputError('param_invalid', `bad value ${HOSTILE_TEXT}`), pino({ level: 'silent' }));
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain('␛]0;owned␇');
  });
});
