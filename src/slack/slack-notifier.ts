import type { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import { printable, type MessageRef, type Notifier, type OutboundMessage } from '../domain/index.js';
import { renderMessage } from './blocks/index.js';

export interface SlackNotifierOptions {
  logger: Logger;
  /** Called with the API method of every failed call (metrics). */
  onApiError?: (method: string, code: string) => void;
}

/**
 * The Notifier port on Slack's Web API. Rate-limited calls (HTTP 429) are waited out and retried
 * by the WebClient (rejectRateLimitedCalls is false), so none is dropped.
 */
export function createSlackNotifier(client: webApi.WebClient, options: SlackNotifierOptions): Notifier {
  const call = async <T>(method: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      const code = (err as { code?: string; data?: { error?: string } }).data?.error ?? (err as { code?: string }).code ?? 'unknown';
      options.onApiError?.(method, code);
      options.logger.error({ method, code, message: (err as Error).message }, 'Slack API call failed');
      throw err;
    }
  };
  const tsOf = (channel: string, result: { ts?: string; channel?: string }): MessageRef => {
    if (!result.ts) throw new Error('Slack answered without a message ts');
    return { channel: result.channel ?? channel, ts: result.ts };
  };
  return {
    async post(channel: string, msg: OutboundMessage) {
      const { text, blocks } = renderMessage(msg);
      return tsOf(channel, await call('chat.postMessage', () => client.chat.postMessage({ channel, text, blocks, unfurl_links: false })));
    },
    async remove(ref) {
      await call('chat.delete', () => client.chat.delete({ channel: ref.channel, ts: ref.ts }));
    },
    async update(ref, msg) {
      const { text, blocks } = renderMessage(msg);
      await call('chat.update', () => client.chat.update({ channel: ref.channel, ts: ref.ts, text, blocks }));
    },
    async reply(parent, msg) {
      const { text, blocks, file } = renderMessage(msg);
      const ref = tsOf(parent.channel, await call('chat.postMessage', () => client.chat.postMessage({ channel: parent.channel, thread_ts: parent.ts, text, blocks, unfurl_links: false })));
      // Evidence too long to quote goes up as a file, right under the reply that says so; shown in
      // Slack's viewer, so host text is made visible there too, lines kept
      if (file) {
        await call('files.uploadV2', () =>
          client.filesUploadV2({ channel_id: parent.channel, thread_ts: parent.ts, filename: file.filename, title: printable(file.title), content: printable(file.content, { newlines: true }) }),
        );
      }
      return ref;
    },
    async upload(parent, file) {
      // files.uploadV2: getUploadURLExternal, the bytes to the upload URL, completeUploadExternal into the thread
      await call('files.uploadV2', () =>
        client.filesUploadV2({ channel_id: parent.channel, thread_ts: parent.ts, filename: file.filename, title: printable(file.title), file: Buffer.from(file.bytes) }),
      );
    },
    async ephemeral(channel, user, text) {
      await call('chat.postEphemeral', () => client.chat.postEphemeral({ channel, user, text: printable(text, { newlines: true }) }));
    },
  };
}
