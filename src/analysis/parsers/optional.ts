/** `{ key: value }` when value is set, `{}` otherwise: keeps optional fields absent, not undefined. */
export function optional<K extends string, V>(key: K, value: V | undefined | null): { [P in K]?: V } {
  return value === undefined || value === null ? {} : ({ [key]: value } as { [P in K]?: V });
}
