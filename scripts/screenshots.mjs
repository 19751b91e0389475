#!/usr/bin/env node
// `npm run screenshots`: retakes the README's pictures (docs/screenshots/*.png) at 1280×800.
// The end-to-end tests take them on the way, but only when ONCOTIMELINE_SCREENSHOTS=1, so that
// an ordinary `npm test` never rewrites tracked files; here the e2e files run with it set (and the
// Extraction screenshots show the whole demo set of 16 letters, not the test's few).
// test/e2e/finetune-screens.test.ts takes datasets.png (a built set's card), finetune.png (a
// running run's loss chart, followed on the test cluster) and models-lineage.png (a fine-tune's
// lineage); test/e2e/first-run.test.ts takes first-run.png (an empty store's Letters screen).
// Files named after `--` retake only theirs: npm run screenshots -- test/e2e/finetune-screens.test.ts
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const vitest = path.join(repo, "node_modules", "vitest", "vitest.mjs");
const files = process.argv.slice(2);
const result = spawnSync(process.execPath, [vitest, "run", "--project", "heavy", ...(files.length > 0 ? files : ["test/e2e"])], {
  cwd: repo,
  stdio: "inherit",
  env: { ...process.env, ONCOTIMELINE_SCREENSHOTS: "1" },
});
if (result.status === 0) console.log(`screenshots written to ${path.join(repo, "docs", "screenshots")}`);
process.exit(result.status ?? 1);
