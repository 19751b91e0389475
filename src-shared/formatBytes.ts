/**
 * The one way sizes are written, in the app, the CLI and messages alike: "0 B", "812 B",
 * "3.4 KiB", "50.0 MiB", "4.6 GiB". Binary units, named as such, because the limits they report
 * are set in them (50 MiB per file) and memory (VRAM, RAM) is counted in them. Here in src-shared
 * because the renderer, which may not import src-main, shows sizes too.
 */
const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${UNITS[unit]}`;
}
