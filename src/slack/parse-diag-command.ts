import { HOST_NAME_PATTERN } from '../domain/index.js';
import { CommandSyntaxError } from './slack-errors.js';

export type DiagCommand =
  | { kind: 'help' }
  | { kind: 'status' }
  | { kind: 'host'; host: string; playbook?: string }
  | { kind: 'tag'; tag: string; playbook?: string };

export const PLAYBOOK_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
export const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const DIAG_USAGE = [
  '`/diag HOST [playbook]` diagnose one host, e.g. `/diag host-a3-60-17`',
  '`/diag tag:NAME [playbook]` diagnose every host with a tag, e.g. `/diag tag:mesos`',
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
  if (rest.length) throw new CommandSyntaxError('diag_syntax', `Too many words in \`${excerpt(text)}\`: give a host or tag:NAME, then at most a playbook.\n${DIAG_USAGE}`);
  if (second !== undefined && !PLAYBOOK_PATTERN.test(second)) {
    throw new CommandSyntaxError('diag_bad_playbook', `\`${excerpt(second)}\` is not a playbook name (lower-case letters, digits and "-", like docker-host).`);
  }
  const playbook = second ? { playbook: second } : {};
  if (first.startsWith('tag:')) {
    const tag = first.slice(4);
    if (!TAG_PATTERN.test(tag)) throw new CommandSyntaxError('diag_bad_tag', `\`${excerpt(first)}\` is not a tag: write tag:NAME with letters, digits, ".", "_" or "-", like tag:mesos.`);
    return { kind: 'tag', tag, ...playbook };
  }
  if (!HOST_NAME_PATTERN.test(first)) {
    throw new CommandSyntaxError('diag_bad_host', `\`${excerpt(first)}\` is not a host name: use letters, digits, ".", "_" and "-", like host-a3-60-17.\n${DIAG_USAGE}`);
  }
  return { kind: 'host', host: first, ...playbook };
}
