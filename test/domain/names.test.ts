import { describe, expect, it } from 'vitest';
import { AccessRuleSchema, EnvSchema } from '../../src/config/index.js';
import { HOST_NAME, PLAYBOOK_NAME, SLACK_CHANNEL_ID, SLACK_ID, SLACK_USER_ID, TAG_NAME, ZONE_NAME, ZoneNameSchema } from '../../src/domain/index.js';
import { PolicyConfigSchema } from '../../src/remediation/index.js';
import { InventorySchema } from '../../src/inventory/index.js';
import { DiagnoseJobDataSchema } from '../../src/queue/index.js';
import { parseDiagCommand } from '../../src/slack/parse-diag-command.js';
import { HOSTILE_INPUTS } from '../helpers/hostile-inputs.js';

const ZONE = 'eu-west.az_1';

describe('identifier rules, defined once', () => {
  it('lets a zone with "." and "_" through the inventory, the worker environment and the job schema alike', () => {
    const inventory = InventorySchema.safeParse({ hosts: { 'host-1': { address: '10.0.0.1', zone: ZONE } } });
    expect(inventory.success).toBe(true);
    expect(EnvSchema.safeParse({ SLACK_BOT_TOKEN: 'xoxb-1-2', SICKBAY_ZONE: ZONE }).success).toBe(true);
    const job = DiagnoseJobDataSchema.safeParse({
      requestId: '00000000-0000-4000-8000-000000000000',
      host: 'host-1',
      zone: ZONE,
      playbook: 'docker-host',
      requestedBy: 'U0X',
      channel: 'C0Q',
      requestedAt: '2026-12-04T10:00:00.000Z',
    });
    expect(job.success).toBe(true);
  });

  it('refuses the same hostile values wherever a name is read, with the rule\'s own sentence', () => {
    for (const [label, value] of HOSTILE_INPUTS) {
      for (const rule of [HOST_NAME, TAG_NAME, ZONE_NAME, PLAYBOOK_NAME]) expect(rule.pattern.test(value), `${label} as ${rule.message}`).toBe(false);
    }
    const refused = ZoneNameSchema.safeParse('EU;rm');
    expect(refused.success ? '' : refused.error.issues[0]?.message).toBe(ZONE_NAME.message);
  });

  it('reads Slack ids by the same rules in the access file, the environment and the remediation policy', () => {
    const messageOf = (result: { success: boolean; error?: { issues: { message: string }[] } }) => result.error?.issues[0]?.message;
    expect(messageOf(AccessRuleSchema.safeParse({ tags: ['mesos'], users: ['u0alice'] }))).toBe(SLACK_ID.message);
    expect(messageOf(EnvSchema.safeParse({ SLACK_BOT_TOKEN: 'xoxb-1-2', SICKBAY_ALERTS_CHANNEL: 'alerts' }))).toBe(SLACK_CHANNEL_ID.message);
    expect(messageOf(PolicyConfigSchema.safeParse({ defaults: { approvers: { users: ['S0SRE'] } } }))).toBe(SLACK_USER_ID.message);
    expect(AccessRuleSchema.safeParse({ tags: ['mesos'], users: ['U0ALICE'], groups: ['S0SRE'] }).success).toBe(true);
  });

  it('reads a tag typed in capitals as the lower-case tag', () => {
    expect(parseDiagCommand('tag:Mesos')).toEqual({ kind: 'tag', tag: 'mesos' });
  });
});
