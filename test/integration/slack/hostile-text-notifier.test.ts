import { webApi } from '@slack/bolt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/domain/index.js';
import { createSlackNotifier } from '../../../src/slack/slack-notifier.js';
import { HOSTILE_TEXT, RAW_CONTROL, stringsIn } from '../../helpers/hostile-text.js';
import { SlackStandIn } from '../../helpers/slack-standin.js';

const finding: Finding = {
  code: 'FS_FULL',
  severity: 'critical',
  title: HOSTILE_TEXT,
  evidence: [],
  fixes: [{ title: HOSTILE_TEXT }],
};

describe('the Slack notifier passes no control character to the Web API', () => {
  const slack = new SlackStandIn();
  beforeAll(async () => {
    await slack.start();
  });
  afterAll(async () => {
    await slack.stop();
  });

  it('in messages, ephemeral replies and the evidence file', async () => {
    const client = new webApi.WebClient('xoxb-0000-test-token', { slackApiUrl: slack.apiUrl, rejectRateLimitedCalls: false });
    const notifier = createSlackNotifier(client, { logger: pino({ level: 'silent' }) });
    const parent = await notifier.post('C1', { kind: 'text', text: HOSTILE_TEXT });
    await notifier.ephemeral('C1', 'U1', HOSTILE_TEXT);
    // evidence too long to quote inline goes up as a file under the reply
    const long = Array.from({ length: 80 }, (_, i) => ({ spec: 'dmesg' as const, line: i + 1, text: HOSTILE_TEXT }));
    await notifier.reply(parent, { kind: 'finding', host: 'h1', finding: { ...finding, evidence: long } });
    // an upload is multipart: its \r\n framing is HTTP's, the part between is the file
    const files = slack.uploads.map((u) => u.body.slice(u.body.indexOf('\r\n\r\n') + 4, u.body.lastIndexOf('\r\n--')));
    expect(files[0]).toContain('dmesg:1');
    const sent = [...stringsIn(slack.calls.map((c) => c.body)), ...files];
    expect(sent.join('\n')).toContain('␛]0;owned␇');
    expect(sent.filter((s) => RAW_CONTROL.test(s))).toEqual([]);
    expect(slack.uploads).toHaveLength(1);
  });
});
