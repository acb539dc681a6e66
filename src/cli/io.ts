/** Where CLI commands write; passed in so that tests can capture it. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  colour: boolean;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  colour: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
};

/** Thrown after a command has printed what it could, to exit 1 without another message (some hosts failed). */
export class CommandFailed extends Error {
  constructor(message = 'some targets failed') {
    super(message);
    this.name = 'CommandFailed';
  }
}
