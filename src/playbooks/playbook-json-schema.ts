import { z } from 'zod';
import { PlaybookSchema } from './playbook.schema.js';

/** The JSON Schema of a playbook file, for editor completion (committed as playbooks/playbook.schema.json). */
export function playbookJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(PlaybookSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'sickbay playbook',
  };
}
