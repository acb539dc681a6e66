import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createThrottle } from '../../src/queue/index.js';

describe('createThrottle', () => {
  it('sends only the newest of a burst of values, once', async () => {
    const sent: number[] = [];
    const throttle = createThrottle(async (v: number) => {
      sent.push(v);
    }, 20);
    for (let i = 1; i <= 100; i += 1) throttle.push(i);
    await sleep(60);
    expect(sent).toEqual([100]);
    await throttle.close();
  });

  it('drops what is pending on close and waits for the send in flight', async () => {
    const sent: number[] = [];
    let release: () => void = () => undefined;
    const throttle = createThrottle(async (v: number) => {
      await new Promise<void>((r) => (release = r));
      sent.push(v);
    }, 10);
    throttle.push(1);
    await sleep(30);
    throttle.push(2);
    const closed = throttle.close();
    release();
    await closed;
    expect(sent).toEqual([1]);
  });
});
