import { HOST_NAME, PLAYBOOK_NAME, TAG_NAME } from '../domain/index.js';
import { CommandSyntaxError } from './slack-errors.js';

export type DiagCommand =
  | { kind: 'help' }
  | { kind: 'status' }
  | { kind: 'host'; host: string; playbook?: string }
  | { kind: 'tag'; tag: string; playbook?: string }
  /** Time to full of every sampled resource of a host, or of each host with a tag. */
  | { kind: 'forecast'; target: string };

export const DIAG_USAGE = [
  '`/diag HOST [playbook]` diagnose one host, e.g. `/diag host-a3-60-17`',
  '`/diag tag:NAME [playbook]` diagnose every host with a tag, e.g. `/diag tag:mesos`',
  '`/diag forecast HOST` or `/diag forecast tag:NAME` each resource and its time to full, from the capacity sweeps',
  '`/diag status` queue depth, running jobs and workers',
  '`/diag help` this text',
].join('\n');

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 40 ? `${flat.slice(0, 40)}…` : flat;
}

/**
 * Parses the text after /diag. Only anchored patterns pass: nothing typed in chat reaches a
 * shell line or an ssh argument unless it is a well-formed host, tag or playbook name.
 */
export function parseDiagCommand(text: string): DiagCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [first, second, ...rest] = words;
  if (!first || first === 'help') return { kind: 'help' };
  if (first === 'status' && !second) return { kind: 'status' };
  if (first === 'forecast') return parseForecast(text, second, rest);
  if (rest.length) throw new CommandSyntaxError('diag_syntax', `Too many words in \`${excerpt(text)}\`: give a host or tag:NAME, then at most a playbook.\n${DIAG_USAGE}`);
  if (second !== undefined && !PLAYBOOK_NAME.pattern.test(second)) {
    throw new CommandSyntaxError('diag_bad_playbook', `\`${excerpt(second)}\` is not a playbook name: ${PLAYBOOK_NAME.message}.`);
  }
  const playbook = second ? { playbook: second } : {};
  if (first.startsWith('tag:')) {
    // tags are lower-case; `tag:Mesos` typed in a hurry means tag:mesos
    const tag = first.slice(4).toLowerCase();
    if (!TAG_NAME.pattern.test(tag)) throw new CommandSyntaxError('diag_bad_tag', `\`${excerpt(first)}\` is not a tag: write tag:NAME, where ${TAG_NAME.message}.`);
    return { kind: 'tag', tag, ...playbook };
  }
  if (!HOST_NAME.pattern.test(first)) {
    throw new CommandSyntaxError('diag_bad_host', `\`${excerpt(first)}\` is not a host name: ${HOST_NAME.message}.\n${DIAG_USAGE}`);
  }
  return { kind: 'host', host: first, ...playbook };
}

function parseForecast(text: string, target: string | undefined, rest: readonly string[]): DiagCommand {
  if (!target || rest.length) throw new CommandSyntaxError('diag_syntax', `\`${excerpt(text)}\`: write \`/diag forecast HOST\` or \`/diag forecast tag:NAME\`.\n${DIAG_USAGE}`);
  if (target.startsWith('tag:')) {
    const tag = target.slice(4).toLowerCase();
    if (!TAG_NAME.pattern.test(tag)) throw new CommandSyntaxError('diag_bad_tag', `\`${excerpt(target)}\` is not a tag: write tag:NAME, where ${TAG_NAME.message}.`);
    return { kind: 'forecast', target: `tag:${tag}` };
  }
  if (!HOST_NAME.pattern.test(target)) throw new CommandSyntaxError('diag_bad_host', `\`${excerpt(target)}\` is not a host name: ${HOST_NAME.message}.`);
  return { kind: 'forecast', target };
}
