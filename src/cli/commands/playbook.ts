import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../domain/index.js';
import { formatIssue, isPlaybookFile, loadPlaybookFile, PlaybookError, playbookJsonSchema } from '../../playbooks/index.js';
import type { CliIo } from '../io.js';
import { PLAYBOOKS_DIR } from '../../config/index.js';

/** Playbook files named by the arguments: files as given, directories expanded to their *.yml. */
async function playbookFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch {
      throw new InputError('playbook_path_not_found', `no playbook file or directory at ${path}`);
    }
    if (isDir) files.push(...(await readdir(path)).filter(isPlaybookFile).sort().map((name) => join(path, name)));
    else files.push(path);
  }
  return files;
}

export function registerPlaybook(program: Command, io: CliIo): void {
  const playbook = program.command('playbook').description('check and describe playbooks');
  playbook
    .command('lint')
    .description('check playbooks (default: the shipped ones); prints OK per file or file:line:col errors, exit 2 on any error')
    .argument('[path...]', 'playbook files or directories')
    .action(async (paths: string[]) => {
      const files = await playbookFiles(paths.length ? paths : [PLAYBOOKS_DIR]);
      let failed = 0;
      for (const file of files) {
        try {
          await loadPlaybookFile(file);
          io.out(`OK ${file}\n`);
        } catch (err) {
          if (!(err instanceof PlaybookError)) throw err;
          failed += 1;
          for (const issue of err.issues) io.err(`${formatIssue(issue)}\n`);
        }
      }
      if (failed) throw new InputError('playbook_lint_failed', `${failed} of ${files.length} playbook(s) have errors`);
    });
  playbook
    .command('schema')
    .description('print the JSON Schema of playbook files (committed as playbooks/playbook.schema.json)')
    .action(() => {
      io.out(`${JSON.stringify(playbookJsonSchema(), null, 2)}\n`);
    });
}
