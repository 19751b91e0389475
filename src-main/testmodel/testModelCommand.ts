import { formatBytes } from "../../src-shared/formatBytes.ts";
import { TEST_MODEL_QUANTS, makeTestModel, type TestModelQuant } from "./testModel.ts";
import { CliError, EXIT, type Reporter } from "../cliKit/reporter.ts";

export async function testModelCommand(flags: { out: string; size: string; quant: string }, reporter: Reporter): Promise<number> {
  if (flags.size !== "tiny" && flags.size !== "8b") throw new CliError(`--size must be tiny or 8b, not ${flags.size}`);
  if (!isQuant(flags.quant)) throw new CliError(`--quant must be one of ${TEST_MODEL_QUANTS.join(", ")}, not ${flags.quant}`);
  reporter.progress(`Writing a ${flags.size} test model with random weights and the real Llama 3 tokenizer...`);
  const started = performance.now();
  const result = await makeTestModel({ out: flags.out, size: flags.size, quant: flags.quant });
  const seconds = (performance.now() - started) / 1000;
  reporter.event(
    { type: "summary", ...result, seconds },
    `Wrote ${result.path} (${formatBytes(result.bytes)}, ${result.tensors} tensors) in ${seconds.toFixed(1)} s. Its output is noise: it is for tests and benchmarks.`,
  );
  return EXIT.ok;
}

function isQuant(value: string): value is TestModelQuant {
  return (TEST_MODEL_QUANTS as readonly string[]).includes(value);
}
