import { homedir } from 'node:os';
import type { Command } from 'commander';
import { createDiagnoser, sshConnector } from '../../diagnosis/index.js';
import {
  HOST_NAME,
  IDENTIFIER,
  InputError,
  isBotError,
  jsonText,
  printable,
  systemClock,
  type AnalysisReport,
  type DiagnosisProgress,
  type HostRef,
} from '../../domain/index.js';
import { loadInventory, pathExpander } from '../../inventory/index.js';
import { loadPlaybooks } from '../../playbooks/index.js';
import { createStatusLine, renderTerminal } from '../../report/index.js';
import { mapLimit } from '../../shared/index.js';
import { CommandFailed, type CliIo } from '../io.js';
import { PLAYBOOKS_DIR } from '../../config/index.js';

interface DiagOptions {
  playbook: string;
  inventory?: string;
  identity?: string;
  knownHosts?: string;
  json?: boolean;
  concurrency: string;
  param: string[];
  keepBundles?: string;
  playbooks: string;
}

/** `user@address[:port]`, the way ssh takes a host that is not in the inventory yet. Anchored. */
const AD_HOC_TARGET = /^(?<user>[a-z_][a-z0-9_.-]{0,31})@(?<address>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9a-fA-F:.]+\])(?::(?<port>[0-9]{1,5}))?$/;
const PARAM = /^(?<name>[^=]{1,64})=(?<value>[\x20-\x7e]{1,256})$/;

export interface DiagOutcome {
  host: string;
  report?: AnalysisReport;
  error?: { code: string; message: string };
}

export function registerDiag(program: Command, io: CliIo): void {
  program
    .command('diag')
    .description('diagnose hosts over SSH: collect evidence with a playbook, analyse it, print what is wrong')
    .argument('<targets...>', 'inventory host names, tag:NAME, zone:NAME, or user@address[:port] for a host not in the inventory')
    .option('-p, --playbook <name>', 'playbook to run', 'docker-host')
    .option('-i, --inventory <file>', 'inventory file (default: $SICKBAY_INVENTORY or ./inventory.yml)')
    .option('--identity <file>', 'private key for user@address targets (default: the SSH agent)')
    .option('--known-hosts <file>', 'known_hosts for user@address targets', '~/.ssh/known_hosts')
    .option('--param <name=value>', 'playbook parameter (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--concurrency <n>', 'hosts diagnosed at once', '20')
    .option('--keep-bundles <dir>', 'keep each evidence bundle under this directory')
    .option('--playbooks <dir>', 'playbooks directory', PLAYBOOKS_DIR)
    .option('--json', 'print JSON: one report, or an array for several hosts')
    .action(async (targets: string[], opts: DiagOptions) => {
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
        throw new InputError('cli_bad_option', `--concurrency must be a whole number from 1 to 1000, not "${opts.concurrency}"`);
      }
      const params = parseParams(opts.param);
      const hosts = await resolveTargets(targets, opts);
      const playbooks = await loadPlaybooks(opts.playbooks);
      for (const err of playbooks.errors) io.err(`sickbay: skipped a broken playbook: ${printable(err.userMessage, { newlines: true })}\n`);
      const diagnoser = createDiagnoser({
        playbooks,
        // the agent (SSH_AUTH_SOCK) for hosts without an identity file, as --identity's help promises
        connect: sshConnector({ SSH_AUTH_SOCK: process.env['SSH_AUTH_SOCK'] }),
        clock: systemClock,
        ...(opts.keepBundles ? { bundlesRoot: opts.keepBundles } : {}),
      });
      const progress = createProgressLine(io, hosts.length);
      const outcomes = await mapLimit(hosts, concurrency, async (host): Promise<DiagOutcome> => {
        try {
          const result = await diagnoser.diagnose({ host, playbook: opts.playbook, params }, (e) => progress.update(e));
          return { host: host.name, report: result.report };
        } catch (err) {
          // A bad playbook name or param is the same for every host: stop, as for any bad input.
          if (isBotError(err) && !err.retryable && !err.code.startsWith('ssh_') && !err.code.startsWith('sudo_')) throw err;
          return { host: host.name, error: { code: isBotError(err) ? err.code : 'internal_error', message: isBotError(err) ? err.userMessage : String(err) } };
        } finally {
          progress.done(host.name);
        }
      });
      progress.clear();
      if (opts.json) {
        const shaped = outcomes.map((o) => o.report ?? { host: o.host, error: o.error });
        io.out(jsonText(shaped.length === 1 ? shaped[0] : shaped, 2) + '\n');
      } else {
        for (const o of outcomes) {
          if (o.report) io.out(renderTerminal(o.report, { colour: io.colour }) + '\n');
          else io.err(`sickbay: ${o.host}: ${printable(o.error?.message ?? 'failed', { newlines: true })}\n`);
        }
      }
      if (outcomes.some((o) => o.error)) throw new CommandFailed();
    });
}

function parseParams(raw: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const text of raw) {
    const m = PARAM.exec(text);
    if (!m?.groups || !IDENTIFIER.pattern.test(m.groups['name'] as string)) {
      throw new InputError('cli_param_invalid', `--param takes name=value (${IDENTIFIER.message}; a printable value), not "${text.slice(0, 40)}"`);
    }
    params[m.groups['name'] as string] = m.groups['value'] as string;
  }
  return params;
}

async function resolveTargets(targets: readonly string[], opts: DiagOptions): Promise<HostRef[]> {
  const adHoc = targets.filter((t) => t.includes('@'));
  const named = targets.filter((t) => !t.includes('@'));
  const hosts: HostRef[] = adHoc.map((t) => adHocHost(t, opts));
  if (named.length) {
    const file = opts.inventory ?? process.env['SICKBAY_INVENTORY'] ?? 'inventory.yml';
    const directory = await loadInventory(file);
    for (const target of named) hosts.push(...directory.resolve(target));
  }
  const seen = new Set<string>();
  return hosts.filter((h) => !seen.has(h.name) && seen.add(h.name));
}

function adHocHost(text: string, opts: DiagOptions): HostRef {
  const m = AD_HOC_TARGET.exec(text);
  const groups = m?.groups;
  if (!groups) {
    throw new InputError('target_invalid', `"${text.slice(0, 60)}" is not a target: use an inventory name, tag:NAME, or user@address[:port]`);
  }
  const address = (groups['address'] as string).replace(/^\[|\]$/g, '');
  const port = groups['port'] ? Number(groups['port']) : 22;
  // Paths on the command line are relative to where the command runs, like ssh's own options.
  const expand = pathExpander(process.cwd(), homedir());
  if (port < 1 || port > 65535) throw new InputError('target_invalid', `port ${port} is out of range (1-65535)`);
  const name = HOST_NAME.pattern.test(address) ? address : `adhoc-${address.replace(/[^A-Za-z0-9]/g, '-')}`;
  return {
    name,
    zone: 'default',
    tags: [],
    ssh: {
      name,
      address,
      port,
      user: groups['user'] as string,
      knownHostsFile: expand(opts.knownHosts ?? '~/.ssh/known_hosts'),
      ...(opts.identity ? { identityFile: expand(opts.identity) } : {}),
    },
  };
}

/** The status line of a diag run on a TTY: "3/20 hosts done · host-a: 9/15 steps"; nothing otherwise. */
function createProgressLine(io: CliIo, total: number) {
  const line = createStatusLine(io.colour && process.stderr.isTTY ? (text) => process.stderr.write(text) : undefined);
  let finished = 0;
  return {
    update(e: DiagnosisProgress) {
      line.draw(`${finished}/${total} hosts done · ${e.kind === 'step' ? `${e.host}: ${e.done}/${e.total} steps` : `${e.host}: connected`}`);
    },
    done(host: string) {
      finished++;
      line.draw(`${finished}/${total} hosts done · ${host} finished`);
    },
    clear: line.clear,
  };
}
