/** A run's length for people, in seconds with one decimal: 4213 -> "4.2 s" (Slack summaries, the demo). */
export function formatDuration(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
