/** The Block Kit shapes sickbay uses: plain data, checked by golden-JSON tests. */
export interface TextObject {
  type: 'mrkdwn' | 'plain_text';
  text: string;
}
/** A Block Kit confirmation dialog: shown before a button's click is sent. */
export interface ConfirmDialog {
  title: { type: 'plain_text'; text: string };
  text: { type: 'mrkdwn'; text: string };
  confirm: { type: 'plain_text'; text: string };
  deny: { type: 'plain_text'; text: string };
  style?: 'primary' | 'danger';
}
export interface ButtonElement {
  type: 'button';
  action_id: string;
  text: { type: 'plain_text'; text: string };
  /** Only an opaque id of server-side state, never a command or a host. */
  value: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmDialog;
}
export type Block =
  | { type: 'section'; text: TextObject }
  | { type: 'header'; text: TextObject }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' }
  | { type: 'actions'; block_id?: string; elements: ButtonElement[] };

export interface SlackMessage {
  text: string;
  blocks: Block[];
  /** Uploaded into the thread after the message: evidence too long to quote inline. */
  file?: { filename: string; title: string; content: string };
}
