/**
 * StructureDefinitions of OncoTimeline's own extensions, to publish next to exported bundles
 * (a receiver loads them to know what the extensions mean; the export itself never needs them).
 * Snapshots are written out here (they are small) so that validators that read only snapshots
 * can check the extension instances; test/unit/fhir checks every exported instance against them.
 */
import type { ElementDefinition, StructureDefinition } from "@medplum/fhirtypes";
import { EVIDENCE_GRADES } from "../../../src-shared/evidence.ts";
import { EVIDENCE_EXTENSION, EXTRACTION_STATUS_EXTENSION } from "./mcode.ts";

type Part = { name: string; type: "Reference" | "string" | "code" | "integer" | "decimal"; min: 0 | 1; short: string; target?: string };

const EVIDENCE_PARTS: Part[] = [
  { name: "letter", type: "Reference", min: 1, short: "The source letter (its DocumentReference in the bundle)", target: "DocumentReference" },
  { name: "path", type: "string", min: 1, short: "JSON path of the value in the letter's timeline document, e.g. primary_cancer.site" },
  { name: "type", type: "string", min: 0, short: "The onco-ext type of the item (e.g. treatment_surgery), where it has one" },
  { name: "grade", type: "code", min: 1, short: `How the value was found in the letter: ${EVIDENCE_GRADES.join(" | ")}` },
  { name: "start", type: "integer", min: 0, short: "Start of the supporting span: UTF-16 offset in the letter text as stored (absent when ungrounded)" },
  { name: "end", type: "integer", min: 0, short: "End of the supporting span, exclusive (absent when ungrounded)" },
  { name: "score", type: "decimal", min: 0, short: "Match score: 1 for exact and normalised, lower for fuzzy matches" },
  { name: "note", type: "string", min: 0, short: "Why no grade is known (no evidence record for the value)" },
];

const STRING = "http://hl7.org/fhirpath/System.String";

/** Formal definitions of the standard Extension elements (snapshots need one for every element). */
const DEFINITIONS: Record<string, string> = {
  id: "Unique id for inter-element referencing.",
  extension: "The parts of this extension.",
  "extension.id": "Unique id for inter-element referencing.",
  "extension.extension": "Not used: each part is a simple extension.",
  "extension.url": "The name of the part.",
  "extension.value[x]": "The value of the part.",
  url: "Identifies the meaning of the extension.",
  "value[x]": "Value of extension.",
};

function element(path: string, min: number, max: string, extra: Partial<ElementDefinition> = {}, id = path): ElementDefinition {
  // Base cardinality as in R4's Extension: extension lists repeat, id/url/value[x] do not.
  const repeats = path === "Extension" || path.endsWith(".extension");
  const baseMin = path.endsWith(".url") ? 1 : 0;
  const definition = extra.short ?? DEFINITIONS[path.split(".").slice(1).join(".")] ?? path;
  return { id, path, definition, min, max, base: { path, min: baseMin, max: repeats ? "*" : "1" }, ...extra };
}

function extensionElements(url: string, short: string, body: ElementDefinition[]): ElementDefinition[] {
  return [
    element("Extension", 0, "*", {
      short,
      constraint: [
        { key: "ele-1", severity: "error", human: "All FHIR elements must have a @value or children", expression: "hasValue() or (children().count() > id.count())" },
        { key: "ext-1", severity: "error", human: "Must have either extensions or value[x], not both", expression: "extension.exists() != value.exists()" },
      ],
    }),
    element("Extension.id", 0, "1", { type: [{ code: STRING }] }),
    ...body,
    element("Extension.url", 1, "1", { type: [{ code: "uri" }], fixedUri: url }),
  ];
}

function complexExtension(url: string, name: string, title: string, description: string, parts: Part[]): StructureDefinition {
  const body: ElementDefinition[] = [
    element("Extension.extension", parts.some((p) => p.min > 0) ? 1 : 0, "*", {
      type: [{ code: "Extension" }],
      slicing: { discriminator: [{ type: "value", path: "url" }], rules: "closed" },
    }),
  ];
  for (const part of parts) {
    const slice = `Extension.extension:${part.name}`;
    body.push(
      element("Extension.extension", part.min, "1", { sliceName: part.name, short: part.short, type: [{ code: "Extension" }] }, slice),
      element("Extension.extension.id", 0, "1", { type: [{ code: STRING }] }, `${slice}.id`),
      element("Extension.extension.extension", 0, "0", { type: [{ code: "Extension" }] }, `${slice}.extension`),
      element("Extension.extension.url", 1, "1", { type: [{ code: "uri" }], fixedUri: part.name }, `${slice}.url`),
      element(
        "Extension.extension.value[x]",
        1,
        "1",
        { type: [{ code: part.type, ...(part.target ? { targetProfile: [`http://hl7.org/fhir/StructureDefinition/${part.target}`] } : {}) }] },
        `${slice}.value[x]`,
      ),
    );
  }
  body.push(element("Extension.value[x]", 0, "0", { type: [{ code: "string" }] }));
  return definition(url, name, title, description, extensionElements(url, title, body));
}

function definition(url: string, name: string, title: string, description: string, elements: ElementDefinition[]): StructureDefinition {
  return {
    resourceType: "StructureDefinition",
    url,
    name,
    title,
    status: "draft",
    description,
    fhirVersion: "4.0.1",
    kind: "complex-type",
    abstract: false,
    context: [{ type: "element", expression: "Resource" }],
    type: "Extension",
    baseDefinition: "http://hl7.org/fhir/StructureDefinition/Extension",
    derivation: "constraint",
    snapshot: { element: elements },
    differential: { element: elements.filter((e) => e.path !== "Extension.id" && !e.id?.endsWith(".id")) },
  };
}

/** evidence-span: where in which letter one value of the resource was found. */
export const EVIDENCE_SPAN_DEFINITION: StructureDefinition = complexExtension(
  EVIDENCE_EXTENSION,
  "EvidenceSpan",
  "OncoTimeline evidence span",
  "One extracted value held by this resource: the source letter, the value's path in the letter's timeline document, how it was grounded and, when found, the character span of the letter text that supports it. A resource carries one per value it holds.",
  EVIDENCE_PARTS,
);

/** extraction-status: on a DocumentReference, whether its values are the model's or a reviewer's corrections. */
export const EXTRACTION_STATUS_DEFINITION: StructureDefinition = definition(
  EXTRACTION_STATUS_EXTENSION,
  "ExtractionStatus",
  "OncoTimeline extraction status",
  "Whether the values extracted from this letter are the model's output (model) or were corrected by a reviewer (corrected).",
  extensionElements(EXTRACTION_STATUS_EXTENSION, "OncoTimeline extraction status", [
    element("Extension.extension", 0, "0", { type: [{ code: "Extension" }] }),
    element("Extension.value[x]", 1, "1", { type: [{ code: "code" }] }),
  ]),
);

export const EXTENSION_DEFINITIONS: StructureDefinition[] = [EVIDENCE_SPAN_DEFINITION, EXTRACTION_STATUS_DEFINITION];
