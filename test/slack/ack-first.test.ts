import { describe, expect, it } from 'vitest';
import { createAckFirstGate } from '../../src/slack/ack-first.js';

describe('createAckFirstGate', () => {
  it('releases waiting callers one per event-loop turn, so work queued in between runs first', async () => {
    // given
    const gate = createAckFirstGate();
    const order: string[] = [];
    // when: the first caller, once released, queues work (as reading the next request would be)
    const first = gate().then(() => {
      order.push('first');
      setImmediate(() => order.push('queued between'));
    });
    const second = gate().then(() => order.push('second'));
    await Promise.all([first, second]);
    // then
    expect(order).toEqual(['first', 'queued between', 'second']);
  });
});
