/**
 * The JSON schema a grammar-constrained generator (node-llama-cpp's createGrammarForJsonSchema,
 * or an OpenAI-compatible server's `response_format`) is given, derived from the zod schema so
 * the two can never drift apart.
 *
 * Why the transformation: node-llama-cpp's grammar ignores `required` and generates every
 * property, so an optional field must be allowed to be `null` (dropped again by dropNulls after
 * parsing). It also has no `minimum`/`maximum`, so a bounded integer (year, month) becomes an
 * `enum` of its allowed values, which also rules out exponent forms such as `1e5`.
 */
import { z } from "zod";
import { TimelineDocumentSchema } from "./timeline.ts";

export type GenerationSchema =
  | { type: "string"; minLength?: number; maxLength?: number }
  | { type: "null" }
  | { type: "boolean" }
  | { enum: readonly (string | number)[] }
  | { oneOf: readonly GenerationSchema[] }
  | { type: "array"; items: GenerationSchema; minItems?: number; maxItems?: number }
  | {
      type: "object";
      properties: Readonly<Record<string, GenerationSchema>>;
      required: readonly string[];
      additionalProperties: false;
    };

/** Integer ranges wider than this cannot honestly become an enum. */
const MAX_ENUM_RANGE = 500;

type JsonSchema = Record<string, unknown>;

export function toGenerationSchema(schema: z.ZodType): GenerationSchema {
  return convert(z.toJSONSchema(schema, { unrepresentable: "throw" }) as JsonSchema, "$");
}

function convert(node: JsonSchema, where: string): GenerationSchema {
  if (Array.isArray(node.enum)) return { enum: node.enum as (string | number)[] };
  switch (node.type) {
    case "string": {
      if (typeof node.maxLength !== "number") throw new Error(`${where}: strings must be bounded (maxLength)`);
      const out: GenerationSchema = { type: "string", maxLength: node.maxLength };
      if (typeof node.minLength === "number") out.minLength = node.minLength;
      return out;
    }
    case "integer": {
      const min = node.minimum;
      const max = node.maximum;
      if (typeof min !== "number" || typeof max !== "number" || max - min > MAX_ENUM_RANGE) {
        throw new Error(`${where}: integers must have a small minimum..maximum range`);
      }
      return { enum: Array.from({ length: max - min + 1 }, (_, i) => min + i) };
    }
    case "boolean":
      return { type: "boolean" };
    case "array": {
      if (typeof node.maxItems !== "number") throw new Error(`${where}: arrays must be bounded (maxItems)`);
      const out: GenerationSchema = {
        type: "array",
        items: convert(node.items as JsonSchema, `${where}[]`),
        maxItems: node.maxItems,
      };
      if (typeof node.minItems === "number" && node.minItems > 0) out.minItems = node.minItems;
      return out;
    }
    case "object": {
      const props = (node.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((node.required ?? []) as string[]);
      const properties: Record<string, GenerationSchema> = {};
      for (const [key, value] of Object.entries(props)) {
        const converted = convert(value, `${where}.${key}`);
        properties[key] = required.has(key) ? converted : { oneOf: [converted, { type: "null" }] };
      }
      return { type: "object", properties, required: Object.keys(props), additionalProperties: false };
    }
    default:
      throw new Error(`${where}: unsupported schema node ${JSON.stringify(node).slice(0, 120)}`);
  }
}

/** Removes `null` object properties recursively: the stored document keeps "absent = not stated". */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (inner !== null) out[key] = dropNulls(inner);
    }
    return out;
  }
  return value;
}

/**
 * A value as the grammar makes the model write it: every property of every object, in the
 * schema's order, an absent optional one as `null`. dropNulls undoes it. A training target must
 * be this text, or the model learns to leave out keys the grammar then forces it to write.
 */
export function asEmitted(value: unknown, schema: GenerationSchema): unknown {
  if ("oneOf" in schema) {
    if (value === null || value === undefined) return null;
    const inner = schema.oneOf.find((option) => !("type" in option && option.type === "null"));
    return inner ? asEmitted(value, inner) : value;
  }
  if ("type" in schema && schema.type === "array" && Array.isArray(value)) return value.map((item) => asEmitted(item, schema.items));
  if ("type" in schema && schema.type === "object" && value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(Object.entries(schema.properties).map(([key, inner]) => [key, asEmitted(record[key], inner)]));
  }
  return value;
}

export const TIMELINE_GENERATION_SCHEMA: GenerationSchema = toGenerationSchema(TimelineDocumentSchema);
