import { describe, expect, it } from 'vitest';
import { checkParams, collectBundle, parsePlaybook, ParamError, renderTemplate, shellQuote } from '../../src/playbooks/index.js';
import { fixedClock } from '../../src/domain/index.js';
import { HOSTILE_INPUTS } from '../helpers/hostile-inputs.js';
import { LocalRunner } from '../helpers/local-runner.js';

const CONTAINER = { container: { type: 'container_id' as const, required: true } };
const NAME = { name: { pattern: '^[a-z0-9._-]{1,64}$', required: true } };

describe('param checks', () => {
  it.each(HOSTILE_INPUTS)('refuses %s as a container id param', (_label, value) => {
    expect(() => checkParams(CONTAINER, { container: value }, 'playbook container')).toThrow(ParamError);
  });

  it.each(HOSTILE_INPUTS)('refuses %s even for a permissive custom pattern', (_label, value) => {
    expect(() => checkParams(NAME, { name: value }, 'playbook p')).toThrow(ParamError);
  });

  it('accepts short and full container ids', () => {
    const full = 'f'.repeat(64);
    expect(checkParams(CONTAINER, { container: '812c82c5a7a5' }, 'c')).toEqual({ container: '812c82c5a7a5' });
    expect(checkParams(CONTAINER, { container: full }, 'c')).toEqual({ container: full });
  });

  it('shows a refused value escaped and cut short, never raw', () => {
    const err = (() => {
      try {
        checkParams(CONTAINER, { container: 'a\nid' + 'x'.repeat(100) }, 'playbook container');
      } catch (e) {
        return e as ParamError;
      }
      return undefined;
    })();
    expect(err?.code).toBe('param_invalid');
    expect(err?.userMessage).not.toContain('\n');
    expect(err?.userMessage).toContain('a\\nid');
    expect(err?.userMessage).toContain('(104 characters)');
    expect(err?.userMessage).toContain('container_id');
  });

  it('refuses an unknown param and names the ones the playbook takes', () => {
    expect(() => checkParams(CONTAINER, { image: 'abc' }, 'playbook container')).toThrow(/has no param "image": it takes container/);
  });

  it('refuses a missing required param', () => {
    expect(() => checkParams(CONTAINER, {}, 'playbook container')).toThrow(/needs container/);
  });

  it('anchors both sides of an alternation in a custom pattern', () => {
    const decl = { svc: { pattern: '^docker|containerd$' } };
    expect(checkParams(decl, { svc: 'containerd' }, 'p')).toEqual({ svc: 'containerd' });
    expect(() => checkParams(decl, { svc: 'docker; id' }, 'p')).toThrow(ParamError);
    expect(() => checkParams(decl, { svc: 'x; containerd' }, 'p')).toThrow(ParamError);
  });

  it('single-quotes substituted values, escaping embedded quotes', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(renderTemplate('docker inspect {{ container }}', { container: '812c82c5a7a5' })).toBe("docker inspect '812c82c5a7a5'");
  });

  it('leaves Docker Go templates alone', () => {
    expect(renderTemplate("docker ps --format '{{json .}}' {{.ID}}", {})).toBe("docker ps --format '{{json .}}' {{.ID}}");
  });

  it('refuses a hostile param before the runner runs anything', async () => {
    const playbook = parsePlaybook(
      'name: container\ndescription: d\nparams:\n  container: { type: container_id, required: true }\nsteps:\n  - { id: i, spec: docker_inspect, command: "docker inspect {{container}}", timeout: 5s }\n',
      'container.yml',
    );
    const runner = new LocalRunner();
    for (const [, value] of HOSTILE_INPUTS) {
      await expect(collectBundle({ runner, host: 'h', playbook, params: { container: value }, clock: fixedClock('2026-01-01T00:00:00Z') })).rejects.toThrow(ParamError);
    }
    expect(runner.commands).toEqual([]);
  });
});
