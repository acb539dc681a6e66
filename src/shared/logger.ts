import { pino, type Logger } from 'pino';

/**
 * Structured JSON logs. Every line passes the redactor on its way out, whatever logged it
 * (our code, Bolt, BullMQ errors), so no secret reaches the log.
 */
export function createLogger(options: {
  level: string;
  name: string;
  /** The process's redactor (redaction/): every line goes through its `text`. */
  redactor: { text(input: string): string };
  destination?: { write(line: string): unknown };
}): Logger {
  const destination = options.destination ?? process.stdout;
  return pino(
    { level: options.level, name: options.name, timestamp: pino.stdTimeFunctions.isoTime },
    { write: (line: string) => void destination.write(options.redactor.text(line)) },
  );
}
