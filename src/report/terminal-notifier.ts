import { printable, type AnalysisReport, type DiagnosisView, type MessageRef, type Notifier, type OutboundMessage } from '../domain/index.js';

export interface TerminalNotifierOptions {
  /** Where finished reports and failures go (stdout). */
  out: (text: string) => void;
  /** Live progress; called with every parent-message update. */
  onProgress?: (view: DiagnosisView) => void;
  /** Called once per diagnosis that ends, done or failed. */
  onFinished?: (view: DiagnosisView) => void;
  render: (report: AnalysisReport) => string;
}

/**
 * The Notifier port for a terminal: the queue's processors talk to it exactly as they talk to
 * Slack, and it prints each diagnosis once, when it ends. Thread replies are already in the report.
 */
export function createTerminalNotifier(options: TerminalNotifierOptions): Notifier {
  let next = 0;
  const finished = new Set<string>();
  const show = (ref: MessageRef, message: OutboundMessage): void => {
    if (message.kind === 'text') {
      options.out(`${printable(message.text, { newlines: true })}\n`);
      return;
    }
    if (message.kind !== 'diagnosis') return;
    const { view } = message;
    options.onProgress?.(view);
    if ((view.phase !== 'done' && view.phase !== 'failed') || finished.has(ref.ts)) return;
    finished.add(ref.ts);
    if (view.phase === 'done' && view.report) options.out(options.render(view.report) + '\n');
    else options.out(`== ${printable(view.host)}: diagnosis failed: ${printable(view.error ?? 'unknown error')}\n\n`);
    options.onFinished?.(view);
  };
  return {
    async post(channel, message) {
      const ref = { channel, ts: `${++next}` };
      show(ref, message);
      return ref;
    },
    async update(ref, message) {
      show(ref, message);
    },
    async reply(parent) {
      return { channel: parent.channel, ts: `${parent.ts}.${++next}` };
    },
    async remove() {},
    async ephemeral(_channel, _user, text) {
      options.out(`${printable(text, { newlines: true })}\n`);
    },
  };
}
