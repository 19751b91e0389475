/** A timeout for a message: "2.5 s" below ten seconds, "120 s" above (a tenth is noise there). */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
