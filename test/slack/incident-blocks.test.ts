import { describe, expect, it } from 'vitest';
import type { IncidentView } from '../../src/domain/index.js';
import { blocks } from '../../src/slack/index.js';

const { incidentMessage, renderMessage, INCIDENT_HOSTS_SHOWN } = blocks;

const single: IncidentView = {
  headline: 'deploy-to-docker-business-product-rpc-test task failed on test-a3-60-17 (exit 137)',
  kind: 'failures',
  appId: '/deploy-to-docker-business-product-rpc-test',
  count: 1,
  hosts: ['test-a3-60-17'],
  exitCodes: { '137': 1 },
  firstAt: '2017-08-25T10:21:35.970Z',
  lastAt: '2017-08-25T10:21:35.970Z',
  latestTaskId: 'deploy-to-docker-business-product-rpc-test.a22e5797-897e-11e7-9837-f2f3c189fa2c',
  source: 'marathon',
};

describe('incident thread parent', () => {
  it('renders one failure as the headline with app, host, exit status and the task', async () => {
    const msg = incidentMessage(single);
    expect(msg.text).toBe(single.headline);
    await expect(JSON.stringify(msg, null, 2)).toMatchFileSnapshot('golden/incident-single.json');
  });

  it('renders a storm digest with the count, the first hosts by name and exit codes by frequency', async () => {
    const hosts = Array.from({ length: 10 }, (_, i) => `test-a3-60-${10 + i}`);
    const view: IncidentView = {
      ...single,
      headline: 'deploy-to-docker-business-product-rpc-test: 270 tasks failed in 5 min on 10 hosts (exit 137 ×260, 143 ×7)',
      count: 270,
      hosts,
      exitCodes: { '143': 7, '137': 260, none: 3 },
      lastAt: '2017-08-25T10:26:35.970Z',
    };
    const text = JSON.stringify(incidentMessage(view));
    expect(text).toContain(`10 hosts: ${hosts.slice(0, INCIDENT_HOSTS_SHOWN).join(', ')} (+2 more)`);
    expect(text).toContain('exit 137 ×260, 143 ×7, no exit status ×3');
    expect(text).toContain('2017-08-25 10:21:35 UTC → 2017-08-25 10:26:35 UTC');
    await expect(JSON.stringify(incidentMessage(view), null, 2)).toMatchFileSnapshot('golden/incident-storm.json');
  });

  it('renders a rate alert through the same renderer, without hosts, and escapes markup in the headline', () => {
    const msg = renderMessage({ kind: 'incident', view: { ...single, kind: 'rate', hosts: [], exitCodes: {}, headline: 'a <b> & c: 25 failed tasks' } });
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain(':chart_with_upwards_trend: *a &lt;b&gt; &amp; c: 25 failed tasks*');
    expect(text).not.toMatch(/hosts?: /);
  });
});
