/**
 * Bundle-wide checks shared by the FHIR tests: what the validator does not check (references
 * resolve inside the bundle, evidence links, the only codings are the fixed ones, partial dates,
 * no empty elements, stable urn:uuid full URLs).
 */
import type { Bundle, Extension, Resource } from "@medplum/fhirtypes";
import { expect } from "vitest";
import { EVIDENCE_SPAN_DEFINITION } from "../../../src-main/export/fhir/definitions.ts";
import { EVIDENCE_EXTENSION, FIXED_CODINGS } from "../../../src-main/export/fhir/mcode.ts";
import { extensionIssues, requiredCodeIssues, significantIssues } from "./validate.ts";

export const UUID_URN = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const FHIR_DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;
const EVIDENCE_PARTS = new Set(
  EVIDENCE_SPAN_DEFINITION.snapshot?.element.flatMap((e) => (e.sliceName ? [e.sliceName] : [])),
);
const ALLOWED_CODINGS = new Set(Object.values(FIXED_CODINGS).map((c) => `${c.system}|${c.code}`));

export function resources(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).map((entry) => entry.resource as Resource);
}

export function ofType<T extends Resource["resourceType"]>(bundle: Bundle, type: T): Extract<Resource, { resourceType: T }>[] {
  return resources(bundle).filter((r): r is Extract<Resource, { resourceType: T }> => r.resourceType === type);
}

export function profiled(bundle: Bundle, profile: string): Resource[] {
  return resources(bundle).filter((r) => r.meta?.profile?.includes(profile));
}

export type EvidenceLink = { letter: string; path: string; grade: string; start?: number; end?: number; type?: string };

export function evidenceOf(resource: Resource): EvidenceLink[] {
  const extensions = ("extension" in resource ? (resource.extension as Extension[] | undefined) : undefined) ?? [];
  return extensions
    .filter((e) => e.url === EVIDENCE_EXTENSION)
    .map((e) => {
      const part = (url: string) => e.extension?.find((x) => x.url === url);
      return {
        letter: part("letter")?.valueReference?.reference ?? "",
        path: part("path")?.valueString ?? "",
        grade: part("grade")?.valueCode ?? "",
        start: part("start")?.valueInteger,
        end: part("end")?.valueInteger,
        type: part("type")?.valueString,
      };
    });
}

function walk(node: unknown, path: string, visit: (key: string, value: unknown, path: string) => void): void {
  if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}[${i}]`, visit));
  else if (node !== null && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      visit(key, value, `${path}.${key}`);
      walk(value, `${path}.${key}`, visit);
    }
  }
}

/** Everything a well-formed export bundle must satisfy; fails the test with the offending paths. */
export function checkBundle(bundle: Bundle): void {
  const profileIssues = resources(bundle).flatMap((resource) =>
    (resource.meta?.profile ?? []).flatMap((profile) =>
      significantIssues(resource, profile).map((issue) => ({ ...issue, where: `${profile.split("/").pop()} ${issue.where}` })),
    ),
  );
  const problems = [
    ...significantIssues(bundle),
    ...profileIssues,
    ...resources(bundle).flatMap(extensionIssues),
    ...[bundle, ...resources(bundle)].flatMap(requiredCodeIssues),
  ].map(
    (issue) => `${issue.severity} ${issue.where}: ${issue.message}`,
  );
  expect(bundle.type).toBe("collection");
  const entries = bundle.entry ?? [];
  const byUrl = new Map<string, Resource>();
  for (const entry of entries) {
    expect(entry.fullUrl).toMatch(UUID_URN);
    expect(byUrl.has(entry.fullUrl as string)).toBe(false);
    byUrl.set(entry.fullUrl as string, entry.resource as Resource);
  }
  expect(ofType(bundle, "Patient")).toHaveLength(1);

  walk(bundle, "Bundle", (key, value, path) => {
    if (value === "" || (Array.isArray(value) && value.length === 0)) problems.push(`${path}: empty`);
    if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0) problems.push(`${path}: empty`);
    if (key === "reference" && typeof value === "string") {
      if (!byUrl.has(value)) problems.push(`${path}: ${value} does not resolve in the bundle`);
    }
    if (key === "coding" && Array.isArray(value)) {
      for (const coding of value as { system?: string; code?: string }[]) {
        if (!ALLOWED_CODINGS.has(`${coding.system}|${coding.code}`)) problems.push(`${path}: coding ${coding.system}|${coding.code} is not a fixed one`);
      }
    }
    if (/(DateTime|authoredOn)$/.test(key) || /\.(period|performedPeriod)\.(start|end)$/.test(path)) {
      if (typeof value !== "string" || !FHIR_DATE.test(value)) problems.push(`${path}: ${String(value)} is not a FHIR date`);
    }
  });
  // A reference's `type` names its target's resourceType.
  walk(bundle, "Bundle", (_key, value, path) => {
    if (value !== null && typeof value === "object" && "reference" in value && "type" in value) {
      const target = byUrl.get((value as { reference: string }).reference);
      if (target && target.resourceType !== (value as { type: string }).type) problems.push(`${path}: type ${(value as { type: string }).type} ≠ ${target.resourceType}`);
    }
  });
  // Every clinical resource links to a letter in this bundle.
  for (const resource of resources(bundle)) {
    if (resource.resourceType === "Patient" || resource.resourceType === "DocumentReference") continue;
    const links = evidenceOf(resource);
    if (links.length === 0) problems.push(`${resource.resourceType}: no evidence link`);
    // The definition's slicing is closed, which Medplum does not enforce: check the part names here.
    const extensions = ("extension" in resource ? (resource.extension as Extension[] | undefined) : undefined) ?? [];
    for (const extension of extensions.filter((e) => e.url === EVIDENCE_EXTENSION)) {
      for (const part of extension.extension ?? []) {
        if (!EVIDENCE_PARTS.has(part.url)) problems.push(`${resource.resourceType}: unknown evidence part ${part.url}`);
      }
    }
    for (const link of links) {
      if (byUrl.get(link.letter)?.resourceType !== "DocumentReference") problems.push(`${resource.resourceType} ${link.path}: letter ${link.letter} is not a DocumentReference here`);
    }
  }
  if (problems.length > 0) expect.fail(`${problems.length} problem(s):\n${problems.join("\n")}`);
}
