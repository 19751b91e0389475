/**
 * The engine that answers questions: `extract`'s model and engine flags (a local GGUF, with its
 * adapter, or `--server`), opened by extract's own opener with the QA answering prompt and the
 * {answer, source} schema in place of the extraction prompt and the timeline schema.
 */
import { secretFromEnvironment } from "../../app/secrets.ts";
import type { Reporter } from "../../cliKit/reporter.ts";
import type { EngineRecipe } from "../../extract/engineFactory.ts";
import { engineOptionFlags, extractionSettingsFlags } from "../../extract/engineFlags.ts";
import { openEngine, type ExtractFlags } from "../../extract/extractCommand.ts";
import { loadSystemPrompt } from "../../extract/prompt.ts";
import { QA_ANSWER_OUTPUT, QA_ANSWER_PROMPT_FILE } from "../../extract/questionPrompt.ts";
import type { Db } from "../../store/db.ts";

export type QuestionEngineFlags = Omit<ExtractFlags, "shard" | "out">;

/** An answer is a few dozen tokens; extraction's 4096 would only let a looping model run on. */
const QA_MAX_TOKENS = 512;

/** Every flag is checked (by the same rules as extract's) before the model loads. */
export async function openQuestionEngine(db: Db, flags: QuestionEngineFlags, reporter: Reporter): ReturnType<typeof openEngine> {
  const settings = extractionSettingsFlags(flags);
  settings.maxTokens ??= QA_MAX_TOKENS;
  const recipe: EngineRecipe = {
    systemPrompt: loadSystemPrompt(QA_ANSWER_PROMPT_FILE).text,
    settings,
    engine: engineOptionFlags(flags),
    secret: secretFromEnvironment,
    outputSchema: QA_ANSWER_OUTPUT,
  };
  return openEngine(db, flags, recipe, reporter);
}
