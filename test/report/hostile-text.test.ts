import { describe, expect, it } from 'vitest';
import type { AnalysisReport, DiagnosisView } from '../../src/domain/index.js';
import { createStatusLine, createTerminalNotifier, renderTerminal } from '../../src/report/index.js';
import { HOSTILE_TEXT, RAW_CONTROL } from '../helpers/hostile-text.js';

/** A report whose every host-derived field holds what a hostile host can print. */
const report: AnalysisReport = {
  host: `web-1${HOSTILE_TEXT}`,
  collected_at: HOSTILE_TEXT,
  findings: [
    {
      code: 'FS_FULL',
      severity: 'critical',
      title: `/data ${HOSTILE_TEXT}`,
      subject: HOSTILE_TEXT,
      evidence: [{ spec: 'dmesg', line: 7, text: HOSTILE_TEXT }],
      fixes: [{ title: HOSTILE_TEXT, commands: [`du -sh ${HOSTILE_TEXT}`], detail: HOSTILE_TEXT }],
    },
  ],
  root_cause: { code: 'FS_FULL', title: HOSTILE_TEXT, summary: HOSTILE_TEXT, explains: ['FS_FULL', 'HUNG_TASK'] },
  gaps: [{ spec: 'docker_info', reason: HOSTILE_TEXT }],
};

/** The only escape sequences the renderer writes itself: its colour palette. */
const OWN_SGR = /\x1b\[(?:1;31|33|36|1|2|0)m/g;

describe('the terminal renderer shows host text, never obeys it', () => {
  it('writes no control character without colour, and one line per field', () => {
    const out = renderTerminal(report, { colour: false });
    for (const line of out.split('\n')) expect(line).not.toMatch(RAW_CONTROL);
    expect(out).toContain('dmesg:7  pwn ␛]0;owned␇ ␛[31mred␛[0m \ufffd2J clear');
    // the newline in a field does not start a line of its own
    expect(out.split('\n').filter((l) => l.startsWith('Root cause:'))).toHaveLength(1);
  });

  it('writes only its own colours with colour on', () => {
    const out = renderTerminal(report, { colour: true });
    expect(out.replace(OWN_SGR, '').split('\n').filter((l) => RAW_CONTROL.test(l))).toEqual([]);
    expect(out).toContain('␛]0;owned␇ ␛[31mred␛[0m');
  });

  it('status line: draws host text visibly', () => {
    const written: string[] = [];
    createStatusLine((t) => written.push(t)).draw(`1/3 hosts done · ${HOSTILE_TEXT}`);
    expect(written[0]?.startsWith('\r\x1b[2K1/3 hosts done · pwn ␛]0;owned␇')).toBe(true);
    expect(written[0]?.slice('\r\x1b[2K'.length)).not.toMatch(RAW_CONTROL);
    expect(written[0]).not.toContain('\n');
  });

  it('terminal notifier: prints text messages and failures visibly', async () => {
    const out: string[] = [];
    const notifier = createTerminalNotifier({ out: (t) => out.push(t), render: (r) => renderTerminal(r, { colour: false }) });
    await notifier.post('c', { kind: 'text', text: HOSTILE_TEXT });
    const failed: DiagnosisView = { host: 'h1', playbook: 'docker-host', requestedBy: 'cli', phase: 'failed', stepsDone: 0, stepsTotal: 0, error: HOSTILE_TEXT };
    await notifier.post('c', { kind: 'diagnosis', view: failed });
    await notifier.ephemeral('c', 'u', HOSTILE_TEXT);
    await notifier.post('c', { kind: 'diagnosis', view: { ...failed, phase: 'done', error: undefined, report } });
    for (const text of out) expect(text.split('\n').filter((l) => RAW_CONTROL.test(l))).toEqual([]);
    expect(out[1]).toContain('diagnosis failed: pwn ␛]0;owned␇');
  });
});
