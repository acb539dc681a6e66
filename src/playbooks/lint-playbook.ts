import type { Playbook } from './playbook.schema.js';
import { ownValue } from './params.js';
import { SHELL_SNIPPETS, snippetRefs } from './snippets.js';
import { reinterpretedPlaceholders } from './shell-contexts.js';
import { insideQuotes, placeholders } from './template.js';
import type { YamlPath } from './yaml-source.js';

export interface LintProblem {
  path: YamlPath;
  message: string;
}

/**
 * Checks what the schema alone cannot: templates name only declared params, never inside quotes
 * nor where a second parse would run them as code (shell-contexts.ts), and include only known snippets, each on a line of its own; step ids and specs are
 * unique, `when` and `verify` refer to things that exist (a `when.step` to an earlier step), and
 * optional params are only used by steps guarded on them.
 */
export function lintPlaybook(playbook: Playbook): LintProblem[] {
  const problems: LintProblem[] = [];
  const params = playbook.params ?? {};
  const seenIds = new Map<string, number>();
  const seenSpecs = new Map<string, number>();

  playbook.steps.forEach((step, i) => {
    const at = (field: string): YamlPath => ['steps', i, field];
    const firstId = seenIds.get(step.id);
    if (firstId !== undefined) problems.push({ path: at('id'), message: `duplicate step id "${step.id}" (also steps[${firstId}])` });
    else seenIds.set(step.id, i);
    const firstSpec = seenSpecs.get(step.spec);
    if (firstSpec !== undefined) problems.push({ path: at('spec'), message: `spec "${step.spec}" is already collected by steps[${firstSpec}]; one step per spec` });
    else seenSpecs.set(step.spec, i);

    problems.push(...lintTemplate(step.command, params, at('command')));
    for (const { name } of placeholders(step.command)) {
      const decl = ownValue(params, name);
      const guarded = step.when && 'param' in step.when && step.when.param === name;
      if (decl && !decl.required && !guarded) {
        problems.push({ path: at('command'), message: `uses optional param "${name}": add \`when: { param: ${name} }\` or make it required` });
      }
    }
    if (step.when && 'param' in step.when && !ownValue(params, step.when.param)) {
      problems.push({ path: ['steps', i, 'when', 'param'], message: `no param "${step.when.param}" is declared` });
    }
    if (step.when && 'step' in step.when) {
      const target = seenIds.get(step.when.step);
      if (target === undefined || target === i) {
        problems.push({ path: ['steps', i, 'when', 'step'], message: `"${step.when.step}" is not an earlier step` });
      }
    }
  });

  const seenFixes = new Map<string, number>();
  (playbook.remediations ?? []).forEach((fix, r) => {
    const firstFix = seenFixes.get(fix.id);
    if (firstFix !== undefined) problems.push({ path: ['remediations', r, 'id'], message: `duplicate remediation id "${fix.id}" (also remediations[${firstFix}])` });
    else seenFixes.set(fix.id, r);
    const scope = { ...params, ...(fix.params ?? {}) };
    fix.commands.forEach((command, c) => problems.push(...lintTemplate(command, scope, ['remediations', r, 'commands', c])));
    fix.verify.steps.forEach((id, s) => {
      if (!seenIds.has(id)) problems.push({ path: ['remediations', r, 'verify', 'steps', s], message: `no step "${id}" in this playbook` });
    });
    const subject = fix.verify.subject;
    if (subject !== undefined && !ownValue(scope, subject)?.required) {
      problems.push({ path: ['remediations', r, 'verify', 'subject'], message: `"${subject}" must name a required param of this playbook or remediation` });
    }
  });
  return problems;
}

function lintTemplate(template: string, declared: Readonly<Record<string, unknown>>, path: YamlPath): LintProblem[] {
  const problems: LintProblem[] = [];
  const reinterpreted = new Map(reinterpretedPlaceholders(template).map((r) => [r.index, r.why]));
  for (const { name, index } of placeholders(template)) {
    const why = reinterpreted.get(index);
    if (!Object.hasOwn(declared, name)) {
      problems.push({ path, message: `{{${name}}} refers to an undeclared param (declared: ${Object.keys(declared).join(', ') || 'none'})` });
    } else if (why) {
      // whatever its pattern: a value is quoted for the command line, and that quoting is gone at the second parse
      problems.push({ path, message: `{{${name}}} ${why}: a value is quoted for one parse only; keep it a plain argument (to a script: sh -c '… "$1"' sh {{${name}}})` });
    } else if (insideQuotes(template, index)) {
      problems.push({ path, message: `{{${name}}} is inside quotes: values are single-quoted for you, write it bare` });
    }
  }
  for (const { name, alone } of snippetRefs(template)) {
    if (!Object.hasOwn(SHELL_SNIPPETS, name)) {
      problems.push({ path, message: `{{@${name}}} is not a snippet (there are: ${Object.keys(SHELL_SNIPPETS).join(', ')})` });
    } else if (!alone) {
      problems.push({ path, message: `{{@${name}}} must stand alone on its line (use a | block for a command of several lines)` });
    }
  }
  return problems;
}
