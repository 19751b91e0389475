import { dropNulls } from "../../src-shared/generationSchema.ts";
import { validateTimeline, type TimelineDocument } from "../../src-shared/timeline.ts";

export type ParsedOutput =
  | { ok: true; document: TimelineDocument; warnings: string[] }
  | { ok: false; error: string };

/**
 * Model text → validated document. Blank strings are what a grammar allows but the format does
 * not: a blank optional field is dropped (absent = not stated) and a list item with a blank
 * value is removed; each removal is kept as a warning, never silent.
 */
export function parseModelOutput(raw: string): ParsedOutput {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { ok: false, error: `output is not JSON: ${(error as Error).message} (${raw.length} chars, starts ${JSON.stringify(raw.slice(0, 60))})` };
  }
  const warnings: string[] = [];
  const cleaned = dropBlanks(dropNulls(value), "", warnings);
  const result = validateTimeline(cleaned);
  if (!result.ok) return { ok: false, error: `output does not match the timeline schema: ${result.errors.slice(0, 5).join("; ")}` };
  return { ok: true, document: result.document, warnings };
}

function dropBlanks(node: unknown, path: string, warnings: string[]): unknown {
  if (Array.isArray(node)) {
    const kept: unknown[] = [];
    node.forEach((item, i) => {
      const value = (item as { value?: unknown } | null)?.value;
      if (typeof value === "string" && value.trim() === "") warnings.push(`dropped ${path}[${i}]: blank value`);
      else kept.push(dropBlanks(item, `${path}[${i}]`, warnings));
    });
    return kept;
  }
  if (node !== null && typeof node === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(node)) {
      const at = path ? `${path}.${key}` : key;
      if (typeof inner === "string" && inner.trim() === "" && key !== "value") warnings.push(`dropped ${at}: blank`);
      else out[key] = dropBlanks(inner, at, warnings);
    }
    return out;
  }
  return node;
}
