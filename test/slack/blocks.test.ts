import { describe, expect, it } from 'vitest';
import type { AnalysisReport, DiagnosisView, Finding } from '../../src/domain/index.js';
import { blocks } from '../../src/slack/index.js';

const { diagnosisMessage, EVIDENCE_INLINE_CHARS, findingMessage, fleetMessage, MAX_BLOCKS, MAX_SECTION_TEXT, MAX_FALLBACK_TEXT } = blocks;

const poolFull: Finding = {
  code: 'DM_POOL_DATA_FULL',
  severity: 'critical',
  title: 'devicemapper pool 1.677 TB of 1.677 TB used (100 %)',
  evidence: [{ spec: 'docker_info', text: 'Data Space Used: 1.677 TB', line: 14 }],
  fixes: [{ title: 'Free or grow the thin pool', commands: ['docker system prune -f'] }],
};
const hung: Finding = {
  code: 'HUNG_TASK',
  severity: 'warning',
  title: '7 tasks blocked for more than 120 s',
  evidence: [{ spec: 'dmesg', text: 'INFO: task java:4242 blocked for more than 120 seconds.' }],
  fixes: [{ title: 'Find what the tasks wait on', detail: 'usually <the storage> & its pool' }],
  subject: 'java',
};
const report: AnalysisReport = {
  host: 'redis-docker-07',
  findings: [poolFull, hung],
  root_cause: { code: 'DM_POOL_DATA_FULL', title: 'the thin pool is full', summary: 'Writes block, tasks hang.', explains: ['DM_POOL_DATA_FULL', 'HUNG_TASK'] },
  gaps: [{ spec: 'meminfo', reason: 'timed out' }],
};
const view: DiagnosisView = { host: 'host-a3-60-17', playbook: 'docker-host', requestedBy: 'U0ONCALL', phase: 'running', stepsDone: 3, stepsTotal: 13, lastStep: 'df ok' };

describe('Block Kit builders', () => {
  it('render a running diagnosis as "Diagnosing HOST · playbook · requested by @user" with progress', async () => {
    await expect(JSON.stringify(diagnosisMessage(view), null, 2)).toMatchFileSnapshot('golden/diagnosis-running.json');
  });

  it('render a finished diagnosis with the root cause first, then findings by severity', async () => {
    await expect(JSON.stringify(diagnosisMessage({ ...view, phase: 'done', report, durationMs: 4200 }), null, 2)).toMatchFileSnapshot('golden/diagnosis-done.json');
  });

  it('render a failed diagnosis with the reason', async () => {
    await expect(JSON.stringify(diagnosisMessage({ ...view, phase: 'failed', error: 'Host key of host-a3-60-17 changed.' }), null, 2)).toMatchFileSnapshot('golden/diagnosis-failed.json');
  });

  it('render a finding reply with quoted evidence, escaped detail and fixes', async () => {
    await expect(JSON.stringify(findingMessage('host-a3-60-17', hung), null, 2)).toMatchFileSnapshot('golden/finding.json');
  });

  it('render a fleet summary as "N of M hosts: CODE"', async () => {
    const fleet = { tag: 'mesos', playbook: 'docker-host', requestedBy: 'U0ONCALL', hosts: [{ host: 'a', report }, { host: 'b', report: { ...report, findings: [poolFull] } }, { host: 'c', error: 'unreachable' }] };
    const msg = fleetMessage(fleet);
    expect(JSON.stringify(msg)).toContain('2 of 3 hosts: `DM_POOL_DATA_FULL`');
    await expect(JSON.stringify(msg, null, 2)).toMatchFileSnapshot('golden/fleet.json');
  });

  it('keep a report with hundreds of long findings within Block Kit limits', () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ ...hung, title: `${'x'.repeat(400)} ${i}` }));
    const msg = diagnosisMessage({ ...view, phase: 'done', report: { ...report, findings: many } });
    expect(msg.blocks.length).toBeLessThanOrEqual(MAX_BLOCKS);
    expect(msg.text.length).toBeLessThanOrEqual(MAX_FALLBACK_TEXT);
    for (const b of msg.blocks) if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(MAX_SECTION_TEXT);
    const long = findingMessage('h', { ...hung, evidence: Array.from({ length: 500 }, () => ({ spec: 'dmesg' as const, text: 'y'.repeat(100) })) });
    for (const b of long.blocks) if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(MAX_SECTION_TEXT);
  });

  it('attach evidence longer than EVIDENCE_INLINE_CHARS as a file, and quote shorter evidence inline', () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ spec: 'dmesg' as const, line: i + 1, text: 'y'.repeat(100) }));
    const long = findingMessage('h', { ...hung, evidence: lines(30) });
    expect(long.file).toEqual({ filename: 'h-HUNG_TASK.txt', title: 'HUNG_TASK evidence from h', content: expect.stringMatching(/^dmesg:1 {2}y{100}\ndmesg:2 {2}/) });
    expect((long.file?.content.length ?? 0) > EVIDENCE_INLINE_CHARS).toBe(true);
    expect(JSON.stringify(long.blocks)).toContain('Evidence: 30 lines, attached below as a file.');
    const short = findingMessage('h', { ...hung, evidence: lines(20) });
    expect(short.file).toBeUndefined();
    expect(JSON.stringify(short.blocks)).toContain('dmesg:20  y');
  });
});
