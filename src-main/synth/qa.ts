/**
 * Question/answer distillation (docs/domain.md §4): the teacher reads one synthetic letter and writes
 * eligibility-style pairs (prompts/synth/qa/qa.<version>.md). Each pair is checked against the
 * schema and its source quote against the letter; a pair that fails is kept as rejected, with the
 * reason, so the share of bad pairs stays visible. An answer that is not JSON is an error of the
 * whole request, never an empty list (docs/domain.md §8: parse failures are counted, not hidden).
 */
import { parseAnswerJson } from "./answerJson.ts";
import { QaPairSchema, type QaKind, type QaPair } from "./qaSchema.ts";
import { loadPromptFile, synthetic, type SyntheticText } from "./syntheticText.ts";

export const QA_PROMPT_VERSION = "v1";
/** Eight pairs with explanations fit in well under 4,096 tokens. */
export const QA_MAX_TOKENS = 4096;

export function loadQaPrompt(version = QA_PROMPT_VERSION): SyntheticText {
  return loadPromptFile(`synth/qa/qa.${version}.md`, "prompt");
}

export type QaRequest = { system: SyntheticText[]; user: SyntheticText; maxTokens: number };

/** The letter goes in the user message; the instructions are the (cacheable) system block. */
export function buildQaRequest(letter: SyntheticText, prompt: SyntheticText = loadQaPrompt()): QaRequest {
  return { system: [prompt], user: synthetic`<note>\n${letter}\n</note>`, maxTokens: QA_MAX_TOKENS };
}

export type QaItemResult =
  | { index: number; status: "accepted"; kind: QaKind; pair: QaPair }
  | { index: number; status: "rejected"; kind: string | null; reason: string; pair: unknown };

export type QaParse = { ok: true; pairs: QaItemResult[] } | { ok: false; error: string };

/** Runs of whitespace, including the literal `\n`/`\t` export artefacts, as one space. */
function collapse(text: string): string {
  return text.replace(/(?:\s|\\[nt])+/g, " ").trim();
}

/**
 * Verbatim: the quote occurs in the letter as written. Only whitespace may differ (a run of
 * spaces, tabs, line breaks or literal `\n`/`\t` against one space), because a model cannot
 * reliably copy a run of export whitespace and nothing about the evidence changes with it.
 */
export function sourceInLetter(source: string, letter: string): boolean {
  const quote = source.trim();
  if (quote.length === 0) return false;
  if (letter.includes(quote)) return true;
  const collapsed = collapse(quote);
  return collapsed.length > 0 && collapse(letter).includes(collapsed);
}

/** Checks every pair of one answer against the schema and the letter. */
export function parseQaAnswer(raw: string, letter: string): QaParse {
  const json = parseAnswerJson(raw);
  if (!json.ok) return { ok: false, error: `the QA answer is not JSON (${json.error})` };
  const value = json.value;
  const list = Array.isArray(value) ? value : (value as { pairs?: unknown } | null)?.pairs;
  if (!Array.isArray(list)) return { ok: false, error: "the QA answer has no 'pairs' list" };
  const pairs = list.map((candidate: unknown, index): QaItemResult => {
    const kind = typeof (candidate as { type?: unknown } | null)?.type === "string" ? (candidate as { type: string }).type : null;
    const parsed = QaPairSchema.safeParse(candidate);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(pair)"}: ${issue.message}`).join("; ");
      return { index, status: "rejected", kind, reason: `schema: ${issues}`, pair: candidate };
    }
    if (!sourceInLetter(parsed.data.source, letter)) {
      return { index, status: "rejected", kind, reason: "source-not-verbatim: the source quote does not occur in the letter", pair: candidate };
    }
    return { index, status: "accepted", kind: parsed.data.type, pair: parsed.data };
  });
  return { ok: true, pairs };
}
