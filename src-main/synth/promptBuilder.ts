/**
 * Generation requests for the synthetic studio (docs/domain.md §3, §8): the many-shot context as system
 * blocks, in a fixed order (the role, the catalogue files, then the expert examples) so that every
 * request of a run shares the same cached prefix; the varying part, one grid row or one expert
 * example to rework, goes in the user message.
 *
 * Everything is SyntheticText (docs/domain.md §7): catalogue files and examples are loaded from prompts/
 * with loadPromptFile; a grid row becomes prompt text only after validateGridRow, which refuses
 * long or multi-line cells, so no letter can travel inside a row.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { validateTimeline } from "../../src-shared/timeline.ts";
import { shiftDates, shiftDocumentDates } from "./dates.ts";
import { LETTER_TYPES, validateGridRow, type GridRow, type LetterType } from "./grid.ts";
import { asExpertExample, asPromptText, assertSynthetic, joinSynthetic, loadPromptFile, NotSyntheticError, PROMPTS_DIR, synthetic, type SyntheticText } from "./syntheticText.ts";

export const SYNTH_PROMPT_VERSION = "v1";

/** The catalogue files under prompts/synth/, in the order they are sent. */
export const CATALOGUE_FILES = ["role", "letter-types", "styles", "blocks", "artefacts", "output-format"] as const;

export const EXAMPLES_DIR = "synth/examples";

/** Output tokens a generation request may use (docs/domain.md §8). */
export const GENERATION_MAX_TOKENS = 8192;

export type ExpertExample = {
  /** File stem, e.g. "01-initial-assessment". */
  id: string;
  letterType: LetterType;
  letter: SyntheticText;
  /** The gold timeline JSON as written in the file. */
  gold: SyntheticText;
};

export type GenerationContext = {
  version: string;
  catalogue: SyntheticText[];
  examples: ExpertExample[];
};

export type GenerationRequest = { system: SyntheticText[]; user: SyntheticText; maxTokens: number };

/** The ids of the expert examples in prompts/synth/examples (pairs of .txt and .json), sorted. */
export function listExpertExamples(): string[] {
  const files = readdirSync(path.join(PROMPTS_DIR, EXAMPLES_DIR));
  const stems = files.filter((f) => f.endsWith(".txt")).map((f) => f.slice(0, -4));
  const missing = stems.filter((stem) => !files.includes(`${stem}.json`));
  if (missing.length > 0) throw new Error(`Expert example${missing.length > 1 ? "s" : ""} without gold JSON: ${missing.join(", ")}`);
  return stems.sort();
}

/** `NN-<letter-type>` → the letter type. */
export function exampleLetterType(id: string): LetterType {
  const type = id.replace(/^\d+-/, "");
  if (!(LETTER_TYPES as readonly string[]).includes(type)) throw new Error(`Expert example '${id}': '${type}' is not a letter type (${LETTER_TYPES.join(", ")}).`);
  return type as LetterType;
}

export function loadExpertExample(id: string): ExpertExample {
  return {
    id,
    letterType: exampleLetterType(id),
    letter: loadPromptFile(`${EXAMPLES_DIR}/${id}.txt`, "expert-example"),
    gold: loadPromptFile(`${EXAMPLES_DIR}/${id}.json`, "expert-example"),
  };
}

/** The catalogue and examples of one prompt version, read from prompts/synth/. */
export function loadGenerationContext(options: { version?: string; examples?: readonly string[] } = {}): GenerationContext {
  const version = options.version ?? SYNTH_PROMPT_VERSION;
  return {
    version,
    catalogue: CATALOGUE_FILES.map((name) => loadPromptFile(`synth/${name}.${version}.md`, "prompt")),
    examples: (options.examples ?? listExpertExamples()).map(loadExpertExample),
  };
}

let defaultContext: GenerationContext | undefined;

function contextOrDefault(context: GenerationContext | undefined): GenerationContext {
  if (context) return context;
  defaultContext ??= loadGenerationContext();
  return defaultContext;
}

const EXAMPLES_INTRO = asPromptText(
  "# Expert examples\n\nEach example below is a letter written by a clinician-annotator followed by its gold response. Match their realism, density and annotation rules; do not copy their patients, wording or numbers.",
  { name: "expert examples heading" },
);

/**
 * Run-time check that an example really is expert material from prompts/ (the type system says
 * so, but a cast could lie): its text is about to be re-minted after the date shift.
 */
function checkExample(example: ExpertExample): void {
  assertSynthetic(example.letter, `expert example '${String(example.id)}' letter`);
  assertSynthetic(example.gold, `expert example '${String(example.id)}' gold`);
  for (const part of [example.letter, example.gold]) {
    if (part.origin.kind !== "expert-example") {
      throw new NotSyntheticError(`Expert example '${String(example.id)}': only expert examples loaded from prompts/ can be reworked, not ${part.origin.kind} text.`);
    }
  }
  if (!(LETTER_TYPES as readonly string[]).includes(example.letterType)) {
    throw new Error(`Expert example '${String(example.id)}': '${String(example.letterType)}' is not a letter type.`);
  }
}

/** One example as it appears in the context: heading, letter, gold. */
function renderExample(example: ExpertExample, n: number): SyntheticText {
  checkExample(example);
  return synthetic`## Example ${n}: ${asPromptText(example.letterType, { name: "letter type" })}

<content>
${example.letter}
</content>

<output>
${example.gold}
</output>`;
}

/**
 * The system blocks: role and catalogue files (one block each), then all examples as one block.
 * Depends only on the context, never on the row, so it is byte-identical across a run.
 */
export function systemBlocks(context: GenerationContext): SyntheticText[] {
  const examples = joinSynthetic([EXAMPLES_INTRO, ...context.examples.map((example, i) => renderExample(example, i + 1))], "\n\n---\n\n");
  return [...context.catalogue, examples];
}

const NONE = asPromptText("none", { name: "grid placeholder" });

function field(value: string, name: string): SyntheticText {
  return asPromptText(value, { name: `grid field ${name}` });
}

/** The grid row as the user message (validated first: short single-line cells only). */
export function renderGridRow(row: GridRow): SyntheticText {
  validateGridRow(row);
  const omit = row.omit_blocks.length > 0 ? field(row.omit_blocks.join(", "), "omit_blocks") : NONE;
  const issue = row.data_quality_issue !== null ? field(row.data_quality_issue, "data_quality_issue") : NONE;
  return synthetic`Write one new synthetic clinic letter and its gold response for this specification.

- Letter type: ${field(row.letter_type, "letter_type")}
- Structural style: ${field(row.structural_style, "structural_style")}
- Language style: ${field(row.language_style, "language_style")}
- Primary cancer topography: ${field(row.topography, "topography")}
- Morphology: ${field(row.morphology, "morphology")}
- Stage: ${field(row.stage, "stage")}
- Biomarkers: ${field(row.biomarkers, "biomarkers")}
- Extent of metastases: ${field(row.metastases_extent, "metastases_extent")}
- Disease trajectory: ${field(row.trajectory, "trajectory")}
- Treatment complexity: ${field(row.treatment_complexity, "treatment_complexity")}
- Blocks to leave out: ${omit}
- Data-quality issue to inject: ${issue}

Use the specification as the clinical backbone; choose the patient's age, sex, history, dates and treatments yourself so that they are plausible for it. Write the stage, morphology and biomarkers the way a clinician would, not necessarily in the words above. Leave out the listed blocks completely. If a data-quality issue is given, put it in the letter and copy the affected values into the output exactly as the letter has them. Apply the artefact rules. Answer with the JSON object only.`;
}

/** The request for one grid row: shared system blocks, the row in the user message. */
export function buildGenerationRequest(row: GridRow, context?: GenerationContext): GenerationRequest {
  const ctx = contextOrDefault(context);
  return { system: systemBlocks(ctx), user: renderGridRow(row), maxTokens: GENERATION_MAX_TOKENS };
}

/**
 * The "from an expert example" mode: the example and its gold with every date moved by
 * `shiftMonths` (consistently, see dates.ts), and the instruction to keep the main cancer facts
 * and the structure and replace everything else. The system blocks are the same as for grid rows.
 */
export function buildFromExampleRequest(example: ExpertExample, shiftMonths: number, context?: GenerationContext): GenerationRequest {
  checkExample(example);
  const ctx = contextOrDefault(context);
  const parsed: unknown = JSON.parse(example.gold.text);
  const valid = validateTimeline(parsed);
  if (!valid.ok) throw new Error(`Expert example '${example.id}': its gold does not validate: ${valid.errors.join("; ")}`);
  const source = example.letter.origin.kind === "expert-example" ? example.letter.origin.file : `prompts/${EXAMPLES_DIR}/${example.id}.txt`;
  const letter = asExpertExample(shiftDates(example.letter.text, shiftMonths), { file: `${source} (dates shifted ${shiftMonths} months)` });
  const gold = asExpertExample(JSON.stringify(shiftDocumentDates(valid.document, shiftMonths), null, 2), {
    file: `${source.replace(/\.txt$/, ".json")} (dates shifted ${shiftMonths} months)`,
  });
  const user = synthetic`Rework the expert example below into a new synthetic letter and its gold response.

Keep: the letter type (${asPromptText(example.letterType, { name: "letter type" })}), the structure and order of its sections, the structural and language style, and the main cancer facts: primary site, morphology, stage, biomarkers and extent of metastases.
Replace everything else: the patient's age and sex, history, comorbidities, symptoms, examination, results, treatment details and responses, plan, and all the wording. Its dates have already been moved by ${shiftMonths} months: keep dates in the same period, consistent with each other, in the same mixture of formats. Keep the artefact density similar. The output must follow the rules for a new letter: every text value verbatim from your new letter.

<content>
${letter}
</content>

<output>
${gold}
</output>

Answer with the JSON object only.`;
  return { system: systemBlocks(ctx), user, maxTokens: GENERATION_MAX_TOKENS };
}
