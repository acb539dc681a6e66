import { InputError } from '../domain/index.js';

/** The environment or a config file is missing something or holds a malformed value: sickbay refuses to start. */
export class ConfigError extends InputError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[], options: { cause?: unknown } = {}) {
    super('config_invalid', `cannot start, fix the configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
    this.problems = problems;
  }
}
