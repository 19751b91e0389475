import type { z } from "zod";
import { describeIssues } from "../../src-shared/api.ts";
import { CliError } from "./reporter.ts";

/** A flag whose value the app also accepts: its name as typed, and its value (undefined: not given). */
export type ContractFlag = { flag: string; value: unknown };

/**
 * Checks flags against the API contract's own schema, so the CLI refuses exactly what the app
 * refuses, in the same words ("--max-tokens 10: Too small: ..." where the API says
 * "extraction.maxTokens: Too small: ..."). Only the flags given are checked; returns their values
 * as the schema reads them.
 */
export function checkByContract<S extends z.ZodObject>(schema: S, flags: Partial<Record<keyof z.output<S> & string, ContractFlag>>): Partial<z.output<S>> {
  const given: Record<string, ContractFlag> = {};
  for (const [field, flag] of Object.entries(flags) as [string, ContractFlag | undefined][]) if (flag && flag.value !== undefined) given[field] = flag;
  const parsed = schema.partial().safeParse(Object.fromEntries(Object.entries(given).map(([field, flag]) => [field, flag.value])));
  if (parsed.success) return parsed.data as Partial<z.output<S>>;
  throw new CliError(
    describeIssues(parsed.error, (path) => {
      const flag = given[String(path[0])];
      return flag ? `${flag.flag} ${String(flag.value)}` : path.map(String).join(".");
    }),
  );
}

/**
 * A flag's text as a number for the schema to judge (range, whole or not); text that is no number
 * at all is refused here, as the schema would only say "received NaN".
 */
export function numberFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parsed = Number(text);
  if (text.trim() === "" || Number.isNaN(parsed)) throw new CliError(`${flag} must be a number, not "${text}"`);
  return parsed;
}
