import type { z } from 'zod';

/** One line of `--format '{{json .}}'` output read by a schema: its data, or undefined when it is not JSON or not that shape. */
export function parseJsonLine<S extends z.ZodType>(text: string, schema: S): z.infer<S> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
