import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type BotHandle } from '../../../src/app/bot.js';
import { INCIDENTS_DIR } from '../../helpers/fixtures.js';
import { deleteUnder, REDIS_URL } from '../../helpers/redis.js';
import { sickbayEnv, SlackStandIn } from '../../helpers/slack-standin.js';

const prefix = `test-${randomUUID()}`;
const standin = new SlackStandIn();
let bot: BotHandle;

const slashCommand = (text: string, responseId: string) => ({
  token: 'unused-in-socket-mode',
  team_id: 'T0STANDIN',
  team_domain: 'standin',
  channel_id: 'C0SOCKET1',
  channel_name: 'ops',
  user_id: 'U0SOCKET',
  user_name: 'oncall',
  command: '/diag',
  text,
  api_app_id: 'A0STANDIN',
  response_url: standin.responseUrl(responseId),
  trigger_id: `trigger-${responseId}`,
});

beforeAll(async () => {
  await standin.start();
  const env = sickbayEnv(standin, { secret: 'socket-mode-unused-secret', redisUrl: REDIS_URL, prefix }, {
    SLACK_APP_TOKEN: 'xapp-1-A0STANDIN-standin',
    PORT: '0',
    LOG_LEVEL: 'silent',
  });
  bot = await startBot({ env, replayBundles: INCIDENTS_DIR });
  await standin.waitFor(() => standin.socketConnections > 0, 'the bot’s Socket Mode connection');
});

afterAll(async () => {
  await bot?.stop();
  await standin.stop();
  await deleteUnder(prefix);
});

describe('the bot in Socket Mode (SLACK_APP_TOKEN set)', () => {
  it('opens its connection with apps.connections.open, acks a /diag envelope and queues the diagnosis', async () => {
    expect(standin.ok('apps.connections.open')).not.toHaveLength(0);
    const envelope = standin.sendEnvelope('slash_commands', slashCommand('mesos-java-oom-137', 's1'));
    await standin.waitFor(() => standin.socketAcks.find((a) => a.envelope_id === envelope), 'the ack of the envelope');
    const parent = await standin.waitFor(
      () => standin.ok('chat.postMessage').find((c) => c.body.channel === 'C0SOCKET1' && !c.body.thread_ts),
      'the parent message',
    );
    expect(String(parent.body.text)).toContain('Diagnosing mesos-java-oom-137');
    const response = await standin.waitFor(() => standin.responses.find((r) => r.path.endsWith('/s1')), 'the response_url reply');
    expect((JSON.parse(response.body) as { text: string }).text).toMatch(/^Queued/);
  });

  it('answers an unknown host in the ack itself, ephemeral, with the nearest names', async () => {
    const envelope = standin.sendEnvelope('slash_commands', slashCommand('mesos-java-oom-13', 's2'));
    const ack = await standin.waitFor(() => standin.socketAcks.find((a) => a.envelope_id === envelope), 'the ack');
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral' });
    expect(String(ack.payload?.['text'])).toContain('mesos-java-oom-137');
  });
});
