import { z } from 'zod';

/**
 * The one definition of every identifier sickbay accepts from people, alerts, inventories and
 * playbooks: an anchored pattern and the sentence that tells a person what it expects. Every
 * schema, parser and check imports these; none writes its own.
 */
export interface NameRule {
  readonly pattern: RegExp;
  /** What a valid name looks like, for error messages: `a zone is lower-case letters, ... like dc1`. */
  readonly message: string;
}

function rule(pattern: RegExp, message: string): NameRule {
  return Object.freeze({ pattern, message });
}

/** DNS-label characters only, so that nothing else can reach a shell line or an ssh argument. */
export const HOST_NAME = rule(/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/, 'a host name is letters, digits, ".", "_" and "-", like host-a3-60-17');
/** Tags and zones are lower-case words, safe in Slack, logs, `tag:NAME` and queue names. */
export const TAG_NAME = rule(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'a tag is lower-case letters, digits, ".", "_" and "-", like mesos');
export const ZONE_NAME = rule(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'a zone is lower-case letters, digits, ".", "_" and "-", like dc1');
export const PLAYBOOK_NAME = rule(/^[a-z][a-z0-9-]{0,62}$/, 'a playbook name is lower-case letters, digits and "-", like docker-host');
/** Step, param and remediation ids inside a playbook. */
export const IDENTIFIER = rule(/^[a-z][a-z0-9_]{0,62}$/, 'an identifier is lower-case letters, digits and "_", like docker_info');
/** A Docker container id, short (12) or full (64) hex. */
export const CONTAINER_ID = rule(/^[0-9a-f]{12,64}$/, 'a container id is 12 to 64 hex digits');
/** A POSIX login name. */
export const LOGIN_NAME = rule(/^[a-z_][a-z0-9_-]{0,31}$/, 'a login name is lower-case letters, digits, "_" and "-", like root');

/** A Slack user or user-group id, as the access file names people. */
export const SLACK_ID = rule(/^[A-Z0-9]{2,32}$/, 'a Slack user or group id, like U024BE7LH or S0614TZR7');
/** A Slack channel id (the alerts channel). */
export const SLACK_CHANNEL_ID = rule(SLACK_ID.pattern, 'a channel id looks like C0123ABCD');
/** A Slack user id: the remediation policy's people, and whom a message may mention. */
export const SLACK_USER_ID = rule(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id looks like U024BE7LH');
/** A Slack user-group id: the remediation policy's groups. */
export const SLACK_GROUP_ID = rule(/^S[A-Z0-9]{2,}$/, 'a Slack user-group id looks like S0614TZR7');
/** Who asked and where the answer goes, as jobs carry them: Slack user and channel ids, or `alert`, `demo`, `terminal`. */
export const CHAT_ID = rule(/^[A-Za-z0-9]{1,32}$/, 'a chat id is letters and digits, like U024BE7LH or C0123ABCD');

/**
 * How text from the core names a person: `@U024BE7LH`. Readable in a terminal and the audit log; a
 * chat adapter turns exactly the ids a message lists (Decision.mentions) into mentions of its own.
 */
export function userRef(userId: string): string {
  return `@${userId}`;
}

/** A zod string schema for a rule, failing with the rule's message. */
export function nameSchema(name: NameRule) {
  return z.string().regex(name.pattern, name.message);
}

export const HostNameSchema = nameSchema(HOST_NAME);
export const TagNameSchema = nameSchema(TAG_NAME);
export const ZoneNameSchema = nameSchema(ZONE_NAME);
export const PlaybookNameSchema = nameSchema(PLAYBOOK_NAME);
export const IdentifierSchema = nameSchema(IDENTIFIER);
export const ContainerIdSchema = nameSchema(CONTAINER_ID);
export const SlackIdSchema = nameSchema(SLACK_ID);
export const SlackChannelIdSchema = nameSchema(SLACK_CHANNEL_ID);
export const SlackUserIdSchema = nameSchema(SLACK_USER_ID);
export const SlackGroupIdSchema = nameSchema(SLACK_GROUP_ID);
export const ChatIdSchema = nameSchema(CHAT_ID);
