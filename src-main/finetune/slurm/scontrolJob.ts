// Reads `scontrol show job ID`'s Key=Value text. Values may hold spaces (JobName, and the paths
// in Command, WorkDir, StdOut), and some hold '=' themselves (TRES=cpu=1,mem=1G), so a value runs
// until the next whitespace-preceded word that looks like a key, not to the next space.

/** Keys are CamelCase words, some with '/' or ':' inside ("CPUs/Task", "ReqB:S:C:T", "AllocNode:Sid"). */
const KEY_START = /(?:^|\s)([A-Z][A-Za-z0-9_]*(?:[/:][A-Za-z0-9_]+)*)=/g;

/** Scontrol puts the keys whose values are free text (paths) alone on their line: there the rest of the line is the value. */
const WHOLE_LINE_KEYS = new Set(["Command", "WorkDir", "StdErr", "StdIn", "StdOut", "Comment", "Reason", "AdminComment", "SystemComment"]);

/** One record per job (an array job shows one per task), blank-line separated. */
export function parseScontrolJobs(text: string): Array<Record<string, string>> {
  return text
    .split(/\n\s*\n/)
    .map(parseRecord)
    .filter((record) => Object.keys(record).length > 0);
}

function parseRecord(block: string): Record<string, string> {
  const record: Record<string, string> = {};
  for (const line of block.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "") continue;
    const whole = /^([A-Za-z]+)=(.*)$/.exec(trimmed);
    if (whole?.[1] !== undefined && WHOLE_LINE_KEYS.has(whole[1])) {
      record[whole[1]] = whole[2] ?? "";
      continue;
    }
    const starts = [...trimmed.matchAll(KEY_START)];
    starts.forEach((match, i) => {
      const key = match[1] as string;
      const valueStart = (match.index ?? 0) + match[0].length;
      const next = starts[i + 1];
      record[key] = trimmed.slice(valueStart, next ? next.index : undefined).trim();
    });
  }
  return record;
}

/** Scontrol's words for "no value": "(null)", "None", "Unknown", "N/A", or nothing. */
export function scontrolValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return ["", "(null)", "None", "Unknown", "N/A"].includes(value) ? undefined : value;
}
