import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { lintPlaybook } from './lint-playbook.js';
import { PlaybookError, playbookNotFound } from './playbook-errors.js';
import { PlaybookSchema, type Playbook } from './playbook.schema.js';
import { parseSourceWith, readSourceText, type SourceFailure, type SourceIssue } from './yaml-source.js';

/** A playbook that passed the schema and the linter, with the file it came from. */
export interface LoadedPlaybook {
  file: string;
  playbook: Playbook;
}

/**
 * Parses and checks one playbook's text. `file` is used in messages (`file:line:col: path: what`).
 * When `expectName` is given (the file's base name), the playbook's name must equal it.
 * Throws PlaybookError listing every problem found.
 */
export function parsePlaybook(text: string, file: string, expectName?: string): Playbook {
  const { source, value: playbook } = parseSourceWith(text, file, PlaybookSchema, playbookFailure(file));
  const issues: SourceIssue[] = lintPlaybook(playbook).map((p) => source.issueAt(p.path, p.message));
  if (expectName !== undefined && playbook.name !== expectName) {
    issues.unshift(source.issueAt(['name'], `name "${playbook.name}" must match the file name "${expectName}"`));
  }
  if (issues.length) throw new PlaybookError(file, issues);
  return playbook;
}

function playbookFailure(file: string): SourceFailure {
  return (issues, options) => new PlaybookError(file, issues, options);
}

export function isPlaybookFile(name: string): boolean {
  return (name.endsWith('.yml') || name.endsWith('.yaml')) && !name.startsWith('.');
}

export async function loadPlaybookFile(file: string): Promise<LoadedPlaybook> {
  const text = await readSourceText(file, playbookFailure(file));
  return { file, playbook: parsePlaybook(text, file, basename(file, extname(file))) };
}

export interface LoadedPlaybooks {
  playbooks: ReadonlyMap<string, LoadedPlaybook>;
  /** Playbooks that were refused; the others still load. */
  errors: readonly PlaybookError[];
}

/** Loads every `*.yml`/`*.yaml` in a directory: a broken playbook is reported and skipped. */
export async function loadPlaybooks(dir: string): Promise<LoadedPlaybooks> {
  const names = (await readdir(dir)).filter(isPlaybookFile).sort();
  const playbooks = new Map<string, LoadedPlaybook>();
  const errors: PlaybookError[] = [];
  for (const name of names) {
    try {
      const loaded = await loadPlaybookFile(join(dir, name));
      playbooks.set(loaded.playbook.name, loaded);
    } catch (err) {
      if (!(err instanceof PlaybookError)) throw err;
      errors.push(err);
    }
  }
  return { playbooks, errors };
}

/** The playbook of that name (as typed in chat: shown escaped if unknown), or PlaybookNotFoundError. */
export function findPlaybook(loaded: LoadedPlaybooks, name: string): Playbook {
  const found = loaded.playbooks.get(name);
  if (!found) throw playbookNotFound(name, [...loaded.playbooks.keys()].sort());
  return found.playbook;
}
