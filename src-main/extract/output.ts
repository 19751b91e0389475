import { dropNulls } from "../../src-shared/generationSchema.ts";
import { validateTimeline, type TimelineDocument } from "../../src-shared/timeline.ts";

export type ParsedOutput =
  | { ok: true; document: TimelineDocument; warnings: string[] }
  | { ok: false; error: string };

/**
 * Model text → validated document. Two things a grammar allows but the format does not are
 * tidied, each with a warning, never silently:
 * - undecodable bytes: a byte-level tokenizer can emit part of a UTF-8 sequence, which decodes
 *   to U+FFFD per byte (so a string can even exceed the bound the grammar counted); removed;
 * - blank strings: a blank optional field is dropped (absent = not stated), and a list item
 *   with a blank value is removed.
 */
export function parseModelOutput(raw: string): ParsedOutput {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { ok: false, error: `output is not JSON: ${(error as Error).message} (${raw.length} chars, starts ${JSON.stringify(raw.slice(0, 60))})` };
  }
  const warnings: string[] = [];
  const cleaned = tidy(dropNulls(value), "", warnings);
  const result = validateTimeline(cleaned);
  if (!result.ok) return { ok: false, error: `output does not match the timeline schema: ${result.errors.slice(0, 5).join("; ")}` };
  return { ok: true, document: result.document, warnings };
}

const UNDECODABLE = /\uFFFD/g;

function tidy(node: unknown, path: string, warnings: string[]): unknown {
  if (typeof node === "string") {
    if (!node.includes("\uFFFD")) return node;
    warnings.push(`removed undecodable bytes from ${path}`);
    return node.replace(UNDECODABLE, "");
  }
  if (Array.isArray(node)) {
    const kept: unknown[] = [];
    node.forEach((item, i) => {
      const tidied = tidy(item, `${path}[${i}]`, warnings);
      const value = (tidied as { value?: unknown } | null)?.value;
      if (typeof value === "string" && value.trim() === "") warnings.push(`dropped ${path}[${i}]: blank value`);
      else kept.push(tidied);
    });
    return kept;
  }
  if (node !== null && typeof node === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(node)) {
      const at = path ? `${path}.${key}` : key;
      const tidied = tidy(inner, at, warnings);
      if (typeof tidied === "string" && tidied.trim() === "" && key !== "value") warnings.push(`dropped ${at}: blank`);
      else out[key] = tidied;
    }
    return out;
  }
  return node;
}
