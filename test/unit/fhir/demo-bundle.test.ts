import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildPatientBundle, type FhirLetterInput, type FhirPatientInput } from "../../../src-main/export/fhir/bundle.ts";
import { MCODE_PROFILES } from "../../../src-main/export/fhir/mcode.ts";
import { groundDocument } from "../../../src-main/grounding/index.ts";
import { validateTimeline } from "../../../src-shared/timeline.ts";
import { checkBundle, evidenceOf, resources } from "../../helpers/fhir/checks.ts";

const DEMO = path.resolve("resources/demo");
const golds = readdirSync(path.join(DEMO, "gold")).filter((name) => name.endsWith(".json")).sort();

/** The demo gold set as export input: patient and date from the file name (P001_2021-03-15_x.json). */
function demoPatients(): FhirPatientInput[] {
  const byPatient = new Map<string, FhirLetterInput[]>();
  golds.forEach((name, i) => {
    const [patient, date] = name.split("_") as [string, string];
    const parsed = validateTimeline(JSON.parse(readFileSync(path.join(DEMO, "gold", name), "utf8")));
    if (!parsed.ok) throw new Error(`${name}: ${parsed.errors.join("; ")}`);
    const source = name.replace(/\.json$/, ".txt");
    const text = readFileSync(path.join(DEMO, "letters", source), "utf8");
    const letters = byPatient.get(patient) ?? [];
    letters.push({ letterId: i + 1, letterDate: date, source, text, document: parsed.document, evidence: groundDocument(text, parsed.document), status: "corrected" });
    byPatient.set(patient, letters);
  });
  return [...byPatient].map(([patient, letters]) => ({ patient, letters }));
}

function profileCounts(bundles: ReturnType<typeof buildPatientBundle>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of bundles.flatMap(resources)) {
    const profile = resource.meta?.profile?.[0]?.split("/").pop();
    const key = profile ? `${resource.resourceType} ${profile}` : resource.resourceType;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe("FHIR export of the demo gold set", () => {
  const patients = demoPatients();
  const bundles = patients.map((input) => buildPatientBundle(input));

  it("gives one valid bundle per patient (0 validator errors, references resolve, every resource linked to a letter)", () => {
    expect(patients.map((p) => p.patient)).toEqual(["P001", "P002", "P003", "P004", "P005", "P006", "P007", "P008", "P009", "P010"]);
    for (const bundle of bundles) checkBundle(bundle);
  });

  it("maps every mCODE resource kind the demo letters hold", () => {
    const counts = profileCounts(bundles);
    expect(counts.Patient).toBeUndefined();
    expect(counts["Patient mcode-cancer-patient"]).toBe(10);
    expect(counts.DocumentReference).toBe(golds.length);
    for (const profile of Object.values(MCODE_PROFILES)) {
      if (profile === MCODE_PROFILES.cancerRelatedMedicationRequest || profile === MCODE_PROFILES.karnofskyPerformanceStatus) continue;
      const name = profile.split("/").pop() as string;
      expect(Object.keys(counts).some((key) => key.endsWith(` ${name}`)), name).toBe(true);
    }
  });

  it("points every evidence span at the value's words in its letter", () => {
    for (const input of patients) {
      const bundle = buildPatientBundle(input);
      const letterByUrl = new Map<string, FhirLetterInput>();
      for (const entry of bundle.entry ?? []) {
        if (entry.resource?.resourceType !== "DocumentReference") continue;
        const id = Number(entry.resource.identifier?.[0]?.value);
        letterByUrl.set(entry.fullUrl as string, input.letters.find((l) => l.letterId === id) as FhirLetterInput);
      }
      for (const resource of resources(bundle)) {
        for (const link of evidenceOf(resource)) {
          const letter = letterByUrl.get(link.letter);
          expect(letter, link.letter).toBeDefined();
          const grounded = letter?.evidence.find((e) => e.path === link.path);
          expect(link.grade).toBe(grounded?.grade);
          expect(link.start).toBe(grounded?.span?.start);
          // Text is found as written; a date ("2022-09") in any of the letter's formats ("12/09/2022").
          if (link.grade === "exact" && !link.path.endsWith(".date")) expect(letter?.text?.slice(link.start, link.end)).toBe(grounded?.value.trim());
          if (link.start !== undefined) expect(letter?.text?.slice(link.start, link.end).length).toBeGreaterThan(0);
        }
      }
    }
  });

  it("drops only the ungrounded values with excludeUngrounded", () => {
    // The gold set is fully grounded: excluding changes nothing.
    const again = patients.map((input) => buildPatientBundle(input, { excludeUngrounded: true }));
    expect(JSON.stringify(again)).toBe(JSON.stringify(bundles));
    // A hallucinated event and fact in one letter disappear, and nothing else does.
    const first = patients[0] as FhirPatientInput;
    const letter = first.letters[0] as FhirLetterInput;
    const document = structuredClone(letter.document);
    document.primary_cancer.cancer_timeline.push({ type: "treatment_surgery", value: "Whipple procedure", year: 2020 });
    document.patient_facts.push({ type: "performance_status", value: "ECOG 3" });
    const noisy: FhirPatientInput = {
      ...first,
      letters: [{ ...letter, document, evidence: groundDocument(letter.text as string, document) }, ...first.letters.slice(1)],
    };
    const kept = buildPatientBundle(noisy);
    const dropped = buildPatientBundle(noisy, { excludeUngrounded: true });
    checkBundle(kept);
    checkBundle(dropped);
    const base = (bundles[0]?.entry ?? []).length;
    expect(kept.entry?.length).toBe(base + 2);
    expect(dropped.entry?.length).toBe(base);
    expect(JSON.stringify(dropped)).not.toContain("Whipple");
  });

  it("writes dates only as FHIR dates or partial dates", () => {
    const dates = JSON.stringify(bundles).match(/"(onsetDateTime|effectiveDateTime|performedDateTime|authoredOn|start|end)":"[^"]*"/g) ?? [];
    expect(dates.length).toBeGreaterThan(0);
    for (const date of dates) expect(date).toMatch(/:"\d{4}(-\d{2}(-\d{2})?)?"$/);
  });
});
