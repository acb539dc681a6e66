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
