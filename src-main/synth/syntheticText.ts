import { readFileSync, realpathSync } from "node:fs";
import path from "node:path";

/**
 * Privacy by construction (docs/domain.md §7): cloud APIs only ever receive synthetic letters and
 * expert-written examples. Every letter-like text that may leave the workstation is a
 * `SyntheticText`, a nominal type that only the functions in src-main/synth make:
 *
 * - compile time: `SyntheticText` is a class with an ECMAScript private field, so TypeScript
 *   treats it nominally: a `string` (a stored letter's `text`, an imported file) or any object
 *   literal is not assignable to it, and its constructor is private.
 * - run time: the cloud client checks every value with `isSyntheticText`, a private-field brand
 *   check (`#text in value`) that no cast (`as SyntheticText`, `as unknown as ...`), no
 *   `Object.create(SyntheticText.prototype)` and no copied object can pass. The constructor also
 *   demands a module-private token, so `new (SyntheticText as any)(...)` fails too.
 *
 * The makers are few and named for what they vouch for: `loadPromptFile` (a file inside the
 * repository's prompts/ folder, symlinks resolved), `asExpertExample` (hand-written expert
 * examples from prompts/), `asPromptText` (the many-shot context: letter types, styles, block
 * catalogue, schema), `synthetic` (a tagged template joining SyntheticText pieces with literal
 * source-code text and numbers) and `asGeneratedText` (what the teacher model wrote, made by the
 * cloud client). test/integration/synth-privacy.test.ts checks that nothing outside
 * src-main/synth imports this module, so no other part of the app can mint one.
 */

/** Where a synthetic text came from; kept with the text for audit and error messages. */
export type SyntheticOrigin =
  | { kind: "expert-example"; file: string }
  | { kind: "prompt"; name: string }
  | { kind: "generated"; model: string; requestId: string | null }
  | { kind: "composed"; parts: number };

const MINT = Symbol("SyntheticText.mint");

export class SyntheticText {
  readonly #text: string;
  readonly origin: SyntheticOrigin;

  private constructor(token: symbol, text: string, origin: SyntheticOrigin) {
    if (token !== MINT) throw new TypeError("SyntheticText can only be made by the functions in src-main/synth/syntheticText.ts.");
    if (typeof text !== "string") throw new TypeError("SyntheticText needs a string.");
    this.#text = text;
    this.origin = Object.freeze({ ...origin });
    Object.freeze(this);
  }

  /** @internal used by the makers below; the token keeps it unusable from elsewhere. */
  static mint(token: symbol, text: string, origin: SyntheticOrigin): SyntheticText {
    return new SyntheticText(token, text, origin);
  }

  /** The brand check: true only for values made by this module (casts and copies fail). */
  static is(value: unknown): value is SyntheticText {
    return typeof value === "object" && value !== null && #text in value;
  }

  get text(): string {
    return this.#text;
  }

  get length(): number {
    return this.#text.length;
  }

  toString(): string {
    return this.#text;
  }

  toJSON(): string {
    return this.#text;
  }
}

export function isSyntheticText(value: unknown): value is SyntheticText {
  return SyntheticText.is(value);
}

/** Thrown when anything but a SyntheticText is about to be sent to a cloud API. */
export class NotSyntheticError extends Error {
  override readonly name = "NotSyntheticError";
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return `a plain string (${value.length} characters)`;
  if (value === null) return "null";
  if (typeof value === "object") return `an object that is not a SyntheticText (${Object.prototype.toString.call(value)})`;
  return `a ${typeof value}`;
}

/**
 * Run-time half of the guarantee. The message names the field and the kind of value, never its
 * content: the refused value may be a real letter, and error messages end up in logs.
 */
export function assertSynthetic(value: unknown, where: string): asserts value is SyntheticText {
  if (!SyntheticText.is(value)) {
    throw new NotSyntheticError(
      `Refused to send ${where} to the cloud API: it is ${describeValue(value)}, not a SyntheticText. ` +
        "Only synthetic letters and expert-written examples may leave this workstation; real letters never do. " +
        "Make synthetic content with the functions in src-main/synth/syntheticText.ts.",
    );
  }
}

/** A hand-written expert example letter (or its gold JSON), loaded from a file under prompts/. */
export function asExpertExample(text: string, source: { file: string }): SyntheticText {
  if (!source.file) throw new TypeError("asExpertExample needs the file the example was read from.");
  return SyntheticText.mint(MINT, text, { kind: "expert-example", file: source.file });
}

/** The repository's prompts/ folder: expert examples and many-shot context live there, under review. */
export const PROMPTS_DIR = path.resolve(import.meta.dirname, "../../prompts");

/**
 * Reads a file from prompts/ (a path relative to it) as SyntheticText: an expert example
 * ("expert-example") or many-shot context ("prompt"). Paths that leave prompts/, also through a
 * symbolic link, are refused, so a letter folder cannot be loaded this way.
 */
export function loadPromptFile(relativePath: string, kind: "expert-example" | "prompt"): SyntheticText {
  const root = realpathSync(PROMPTS_DIR);
  const resolved = realpathSync(path.resolve(root, relativePath));
  const rel = path.relative(root, resolved);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new NotSyntheticError(`Refused to load '${relativePath}' as synthetic text: only files inside prompts/ can be.`);
  }
  const text = readFileSync(resolved, "utf8");
  const label = `prompts/${rel.split(path.sep).join("/")}`;
  return kind === "expert-example" ? asExpertExample(text, { file: label }) : asPromptText(text, { name: label });
}

/** Many-shot context written for the studio: letter types, styles, block catalogue, schema. */
export function asPromptText(text: string, source: { name: string }): SyntheticText {
  if (!source.name) throw new TypeError("asPromptText needs a name for the prompt part.");
  return SyntheticText.mint(MINT, text, { kind: "prompt", name: source.name });
}

/** What the teacher model wrote. Made by the cloud client from its responses. */
export function asGeneratedText(text: string, source: { model: string; requestId: string | null }): SyntheticText {
  return SyntheticText.mint(MINT, text, { kind: "generated", model: source.model, requestId: source.requestId });
}

/**
 * Tagged template: `synthetic\`Write a ${letterType} letter. Example:\n${example}\``. Literal
 * parts are source code; interpolated values must be SyntheticText, numbers or booleans, so a
 * plain string (a real letter) cannot slip in.
 */
export function synthetic(strings: TemplateStringsArray, ...values: ReadonlyArray<SyntheticText | number | boolean>): SyntheticText {
  if (!Array.isArray(strings) || !Array.isArray((strings as { raw?: unknown }).raw) || !Object.isFrozen(strings)) {
    throw new NotSyntheticError("synthetic`...` must be used as a tagged template.");
  }
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    if (typeof value === "number" || typeof value === "boolean") out += String(value);
    else {
      assertSynthetic(value, `interpolated value ${i + 1} of synthetic\`...\``);
      out += value.text;
    }
    out += strings[i + 1] ?? "";
  });
  return SyntheticText.mint(MINT, out, { kind: "composed", parts: values.length + 1 });
}

/** Joins synthetic pieces (e.g. several example letters into one context block). */
export function joinSynthetic(parts: readonly SyntheticText[], separator: "\n" | "\n\n" | "\n\n---\n\n" = "\n\n"): SyntheticText {
  if (!/^[\s-]*$/.test(separator)) throw new NotSyntheticError("joinSynthetic separators are whitespace and dashes only.");
  parts.forEach((part, i) => assertSynthetic(part, `part ${i + 1} of joinSynthetic`));
  return SyntheticText.mint(MINT, parts.map((p) => p.text).join(separator), { kind: "composed", parts: parts.length });
}
