import { spawnSync } from "node:child_process";

/** Debian's Python (not a pyenv or venv one), where .ci/run installs python3-sklearn. */
export const DEBIAN_PYTHON = "/usr/bin/python3";

/**
 * False only on a developer machine without Debian's scikit-learn, where the reference tests are
 * skipped; in CI (which installs python3-sklearn) its absence fails the run instead.
 */
export function haveSklearn(): boolean {
  const probe = spawnSync(DEBIAN_PYTHON, ["-c", "import sklearn, numpy"], { encoding: "utf8" });
  if (probe.status === 0) return true;
  if (process.env.CI) throw new Error(`scikit-learn not importable by ${DEBIAN_PYTHON}: .ci/run installs Debian's python3-sklearn (${probe.stderr || probe.error?.message})`);
  return false;
}
