import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('loadConfig', () => {
  it('names every missing or malformed variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ SLACK_BOT_TOKEN: 'xoxp-user-token', PORT: 'eighty', REDIS_URL: 'http://nope' }, 'bot');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('SLACK_BOT_TOKEN is malformed: a bot token starts with xoxb-');
    expect(problems).toContain('PORT is malformed');
    expect(problems).toContain('REDIS_URL is malformed');
    expect(() => loadConfig({}, 'worker')).toThrow(/SLACK_BOT_TOKEN is not set/);
  });

  it('asks a bot with only a bot token for the app token of Socket Mode (what the manifest sets up), or a signing secret', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2' }, 'bot')).toThrow(/SLACK_APP_TOKEN is not set: the app manifest uses Socket Mode.*SLACK_SIGNING_SECRET/);
    // Socket Mode needs no signing secret, the HTTP receiver no app token
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2', SLACK_APP_TOKEN: 'xapp-1-A-2' }, 'bot').env.SLACK_APP_TOKEN).toBe('xapp-1-A-2');
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2', SLACK_SIGNING_SECRET: 'secret-of-the-app' }, 'bot').env.SLACK_SIGNING_SECRET).toBe('secret-of-the-app');
  });

  it('says "cannot start" once: the CLI puts "sickbay:" before it', () => {
    expect(() => loadConfig({}, 'worker')).toThrow(/^cannot start, fix the configuration:/);
  });

  it('fills defaults and freezes the result', () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2', PORT: '' }, 'worker');
    expect(config.env).toMatchObject({ PORT: 3000, REDIS_URL: 'redis://127.0.0.1:6379', SLACK_API_URL: 'https://slack.com/api/', WORKER_CONCURRENCY: 4 });
    expect(Object.isFrozen(config.env)).toBe(true);
  });

  it('refuses an access file that does not match its schema, naming the file', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2', SICKBAY_ACCESS_FILE: '/nonexistent/access.yml' }, 'worker')).toThrow(/SICKBAY_ACCESS_FILE \/nonexistent\/access.yml cannot be read/);
  });
});
