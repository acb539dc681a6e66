import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlaybookFile, loadPlaybooks, parsePlaybook, PlaybookError } from '../../src/playbooks/index.js';

const FIXTURES = 'test/fixtures/playbooks';

async function refusal(name: string): Promise<PlaybookError> {
  const err = await loadPlaybookFile(join(FIXTURES, name)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlaybookError);
  return err as PlaybookError;
}

/** Each invalid fixture, the first line it must report (file:line:col: path: what) and its error code. */
const INVALID: ReadonlyArray<[string, RegExp]> = [
  ['step-timeout-not-a-duration.yml', /step-timeout-not-a-duration\.yml:11:14: steps\[1\]\.timeout: expected a duration like "10s"/],
  ['unknown-spec.yml', /unknown-spec\.yml:5:11: steps\[0\]\.spec: .*"docker_info"/],
  ['unanchored-pattern.yml', /unanchored-pattern\.yml:5:14: params\.service\.pattern: pattern must be anchored/],
  ['undeclared-param.yml', /undeclared-param\.yml:10:14: steps\[0\]\.command: \{\{containr\}\} refers to an undeclared param/],
  ['placeholder-inside-quotes.yml', /placeholder-inside-quotes\.yml:10:14: steps\[0\]\.command: \{\{container\}\} is inside quotes/],
  ['js-function-tag.yml', /js-function-tag\.yml:2:14: Unresolved tag: .*js\/function \(custom YAML tags are refused\)/],
  ['alias-bomb.yml', /alias-bomb\.yml:3:7: anchor &a refused/],
  ['unknown-field.yml', /unknown-field\.yml:7:5: steps\[0\]\.timout: unknown field "timout"/],
  ['duplicate-key.yml', /duplicate-key\.yml:7:5: Map keys must be unique/],
  ['when-not-an-earlier-step.yml', /when-not-an-earlier-step\.yml:8:19: steps\[0\]\.when\.step: "docker_version" is not an earlier step/],
  ['optional-param-unguarded.yml', /optional-param-unguarded\.yml:9:14: steps\[0\]\.command: uses optional param "container"/],
  ['name-not-file-name.yml', /name-not-file-name\.yml:1:7: name: name "something-else" must match the file name/],
  ['remediation-verifies-unknown-step.yml', /remediation-verifies-unknown-step\.yml:14:23: remediations\[0\]\.verify\.steps\[0\]: no step "docker_version"/],
  // a second parse of a quoted value, whatever the param's pattern (shell-contexts.ts)
  ['placeholder-after-eval.yml', /placeholder-after-eval\.yml:10:14: steps\[0\]\.command: \{\{filter\}\} follows `eval`, which parses its arguments as shell code again/],
  ['placeholder-in-sh-c-script.yml', /placeholder-in-sh-c-script\.yml:10:14: steps\[0\]\.command: \{\{unit\}\} is in the script of `sh -c`/],
  ['placeholder-in-heredoc.yml', /placeholder-in-heredoc\.yml:10:14: steps\[0\]\.command: \{\{unit\}\} is in a here-document/],
  ['remediation-placeholder-in-ssh-command.yml', /remediation-placeholder-in-ssh-command\.yml:21:9: remediations\[0\]\.commands\[1\]: \{\{container\}\} is in the command `ssh` runs on the remote host/],
  ['placeholder-piped-into-sh.yml', /placeholder-piped-into-sh\.yml:10:14: steps\[0\]\.command: \{\{container\}\} is piped into `sh`/],
  ['placeholder-in-find-exec-sh-c.yml', /placeholder-in-find-exec-sh-c\.yml:10:14: steps\[0\]\.command: \{\{container\}\} is in the script of `sh -c`/],
  ['placeholder-in-backticks.yml', /placeholder-in-backticks\.yml:10:14: steps\[0\]\.command: \{\{container\}\} is inside backticks/],
  ['placeholder-in-su-c-command.yml', /placeholder-in-su-c-command\.yml:10:14: steps\[0\]\.command: \{\{unit\}\} is in the command `su -c` hands to a shell/],
  ['placeholder-assigned-then-evaluated.yml', /placeholder-assigned-then-evaluated\.yml:10:14: steps\[0\]\.command: \{\{unit\}\} is assigned to \$u, which then follows `eval`/],
];

describe('loading playbooks', () => {
  it.each(INVALID)('refuses %s with a file:line:col error naming the field', async (name, expected) => {
    const err = await refusal(name);
    expect(err.code).toBe('playbook_invalid');
    expect(err.userMessage).toMatch(expected);
    expect(err.retryable).toBe(false);
  });

  it('reports a missing field at the object that lacks it, and every problem at once', async () => {
    const err = await refusal('unknown-field.yml');
    expect(err.issues.map((i) => `${i.line}:${i.col} ${i.path}`)).toEqual(['4:5 steps[0].timeout', '7:5 steps[0].timout']);
  });

  it('never evaluates a !!js/function tag: the value would be refused, not run', () => {
    const text = "name: x\ndescription: !!js/function 'function () { globalThis.pwned = true }'\nsteps: []\n";
    expect(() => parsePlaybook(text, 'inline.yml')).toThrow(/custom YAML tags are refused/);
    expect((globalThis as { pwned?: boolean }).pwned).toBeUndefined();
  });

  it('refuses a playbook larger than 1 MiB before parsing it', () => {
    expect(() => parsePlaybook(`# ${'x'.repeat(1024 * 1024)}\n`, 'huge.yml')).toThrow(/huge\.yml:1:1: file is larger than/);
  });

  it('loads the good playbooks of a directory and reports the broken ones', async () => {
    // given a directory with one shipped playbook and two broken ones
    const dir = mkdtempSync(join(tmpdir(), 'playbooks-'));
    cpSync('playbooks/docker-host.yml', join(dir, 'docker-host.yml'));
    cpSync(join(FIXTURES, 'unknown-spec.yml'), join(dir, 'unknown-spec.yml'));
    writeFileSync(join(dir, 'broken.yml'), 'name: broken\nsteps: [\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a playbook');
    // when
    const loaded = await loadPlaybooks(dir);
    // then
    expect([...loaded.playbooks.keys()]).toEqual(['docker-host']);
    expect(loaded.errors.map((e) => e.issues[0]?.file)).toEqual([join(dir, 'broken.yml'), join(dir, 'unknown-spec.yml')]);
    expect(loaded.errors[0]?.userMessage).toMatch(/broken\.yml:\d+:\d+: /);
  });
});

describe('playbook names that shadow object properties', () => {
  it('treats {{constructor}} as an undeclared param', () => {
    const text = 'name: p\ndescription: d\nsteps:\n  - { id: u, spec: uname, command: "echo {{constructor}}", timeout: 5s }\n';
    expect(() => parsePlaybook(text, 'p.yml')).toThrow(/\{\{constructor\}\} refers to an undeclared param/);
  });

  it('refuses when: { param: constructor } when no such param is declared', () => {
    const text = 'name: p\ndescription: d\nsteps:\n  - { id: u, spec: uname, command: "uname", timeout: 5s, when: { param: constructor } }\n';
    expect(() => parsePlaybook(text, 'p.yml')).toThrow(/no param "constructor" is declared/);
  });
});
