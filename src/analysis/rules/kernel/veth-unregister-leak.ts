import { seenOf } from '../../facts/clock.js';
import { plural } from '../../../domain/index.js';
import type { Rule } from '../rule.js';
import { quote } from './support.js';

/** VETH_UNREGISTER_LEAK: `unregister_netdevice: waiting for DEV to become free. Usage count = N` (one per device). */
export const vethUnregisterLeakRule: Rule = {
  codes: ['VETH_UNREGISTER_LEAK'],
  run(facts) {
    return facts.kernel.vethLeaks.map((leak) => ({
      code: 'VETH_UNREGISTER_LEAK' as const,
      severity: 'critical' as const,
      subject: leak.device,
      title: `kernel waits for ${leak.device} to become free (usage count ${leak.usageCount}, logged ${plural(leak.occurrences, 'time')})`,
      evidence: quote(leak.lines, 3),
      fixes: [
        {
          title: 'Upgrade the kernel: this is a kernel network-namespace refcount leak',
          detail:
            'While the kernel waits for the device, anything that touches network namespaces blocks: dockerd stops ' +
            'answering, containers cannot be removed and stopping the docker service hangs. Kernels 4.14.5 and later carry ' +
            'the fix for the common cause (moby/moby#35068).',
        },
        {
          title: 'Until then, reboot the host to clear the stuck device; killing dockerd will not release it',
          commands: ['reboot'],
        },
      ],
      seen: seenOf(facts.clock, leak.lines, leak.occurrences),
      data: { device: leak.device, usage_count: leak.usageCount, occurrences: leak.occurrences },
    }));
  },
};
