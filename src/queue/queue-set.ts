import { Queue, type ConnectionOptions } from 'bullmq';

export interface QueueSetOptions {
  connection: ConnectionOptions;
  prefix: string;
}

/**
 * BullMQ queues by name, each made on first use and all closed together: the producer side of
 * every per-zone queue (diagnose, remediate, sweep) holds one of these.
 */
export class QueueSet {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly options: QueueSetOptions) {}

  get(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.options.connection, prefix: this.options.prefix });
      // Errors surface on the calls that fail; the event only keeps Node from treating them as unhandled.
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
    return queue;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
