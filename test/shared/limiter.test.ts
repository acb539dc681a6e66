import { describe, expect, it } from 'vitest';
import { mapLimit, Semaphore } from '../../src/shared/index.js';

/** A promise and the function that settles it, to hold work open until the test lets it go. */
function gate(): { opened: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('Semaphore, the one concurrency limiter', () => {
  it('lets waiters in first come, first served, each taking the slot its predecessor released', async () => {
    // given a semaphore of one slot, held
    const slots = new Semaphore(1);
    const releaseFirst = await slots.acquire();
    const order: string[] = [];
    // when two more ask, then the holder releases
    const second = slots.acquire().then((release) => (order.push('second'), release));
    const third = slots.acquire().then((release) => (order.push('third'), release));
    releaseFirst();
    (await second)();
    (await third)();
    // then they ran in the order they asked, and the slot is free again
    expect(order).toEqual(['second', 'third']);
    expect(slots.inUse).toBe(0);
  });

  it('counts a release called twice once', async () => {
    const slots = new Semaphore(2);
    const release = await slots.acquire();
    await slots.acquire();
    release();
    release();
    expect(slots.inUse).toBe(1);
  });

  it('refuses a limit that is not a positive whole number', () => {
    expect(() => new Semaphore(0)).toThrow(/positive integer/);
    expect(() => new Semaphore(1.5)).toThrow(/positive integer/);
  });
});

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and returns the results in input order', async () => {
    const gates = Array.from({ length: 5 }, gate);
    let inFlight = 0;
    let most = 0;
    const run = mapLimit([0, 1, 2, 3, 4], 2, async (i) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await gates[i]?.opened;
      inFlight -= 1;
      return i * 10;
    });
    // the later items finish first: the results still follow the input
    for (const g of [...gates].reverse()) g.open();
    expect(await run).toEqual([0, 10, 20, 30, 40]);
    expect(most).toBe(2);
  });
});
