import { Command, CommanderError } from 'commander';
import { isBotError, printable } from '../domain/index.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerAudit } from './commands/audit.js';
import { registerDemo } from './commands/demo.js';
import { registerDiag } from './commands/diag.js';
import { registerForecast } from './commands/forecast.js';
import { registerPlaybook } from './commands/playbook.js';
import { registerLab } from './commands/lab.js';
import { registerHealth } from './commands/health.js';
import { CommandFailed, type CliIo } from './io.js';
import { registerBot } from './commands/bot.js';
import { registerWorker } from './commands/worker.js';
import { registerIntake } from './commands/intake.js';

/** Exit status: 0 ran (whatever it found), 2 bad input, 1 internal failure. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

export function buildProgram(io: CliIo): Command {
  const program = new Command('sickbay')
    .description('diagnose Docker hosts: collect evidence over SSH, say what is wrong, fix it with approval')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  registerAnalyze(program, io);
  registerDemo(program, io);
  registerDiag(program, io);
  registerForecast(program, io);
  registerAudit(program, io);
  registerPlaybook(program, io);
  registerLab(program, io);
  registerHealth(program, io);
  registerBot(program);
  registerWorker(program);
  registerIntake(program);
  return program;
}

/** Runs the CLI and returns the exit status; one-line reasons for bad input. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommandFailed) return EXIT_FAILURE;
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    if (isBotError(err)) {
      // messages name files, hosts and values from outside: shown, never obeyed by the terminal
      io.err(`sickbay: ${printable(err.userMessage, { newlines: true })}\n`);
      return err.retryable ? EXIT_FAILURE : EXIT_BAD_INPUT;
    }
    io.err(`sickbay: internal error: ${printable((err as Error).stack ?? String(err), { newlines: true })}\n`);
    return EXIT_FAILURE;
  }
}
