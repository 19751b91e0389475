/**
 * mergePatientTimeline: all of one patient's letters → one PatientTimeline. Pure: no database,
 * no I/O; the same input always gives the same output.
 *
 * Rules (and why):
 *  - Letters are taken in chronological order (letterDate, then letterId). A letter without a date
 *    sorts first: it can never be "the latest" and so never overrides a dated letter's values.
 *  - Events (primary_cancer.cancer_timeline) are de-duplicated letter by letter: an event joins an
 *    earlier group when it has the same type, dates compatible with every member (equal; or one
 *    without the month; or one undated), no veto (similarity.ts: different numbers, dates or
 *    actions) and a similarity with some member ≥ the threshold. Events of the same letter are
 *    never merged with each other (the letter lists them as separate events), so a group holds at
 *    most one event per letter; within a letter events are assigned best score first, one to one.
 *  - Ordering: by (year, month). A year-only event sorts before the months of its year (month 0):
 *    "2021" says "some time in 2021", and a reader scanning the year sees it first rather than
 *    after December. At the same (year, month), stated dates come before letter-date placements
 *    (an undated event is placed at its letter's month, but happened on or before it), then the
 *    first letter that reported it, then its position in that letter.
 *  - Scalar fields are compared after normalisation; equal → one value with the provenance of all
 *    letters; different → a Conflict (see ScalarField for the value shown).
 *  - Corrections: see LetterTimeline.corrected. A corrected letter's wording is preferred as the
 *    representative of merged events and equal scalar values, and a corrected value is shown for a
 *    conflicted field, but a disagreement with *another* letter is still a conflict: the reviewer
 *    vouched for one letter, not for the others.
 */
import type { GroundedValue } from "../../src-shared/evidence.ts";
import {
  PATIENT_FACT_TYPES,
  STATUS_UPDATE_TYPES,
  type CancerEvent,
  type OtherCancer,
  type PatientFactType,
  type PrimaryCancer,
  type StatusUpdateType,
} from "../../src-shared/timeline.ts";
import { cleanText, features, matchScore, similarity, tokenSet, type Features } from "./similarity.ts";
import type {
  Conflict,
  DateSource,
  DiagnosisDate,
  FactGroup,
  FactValue,
  LetterTimeline,
  MergedCancer,
  MergedEvent,
  MergedOtherCancer,
  MergeOptions,
  PatientTimeline,
  Provenance,
  ScalarField,
} from "../../src-shared/patientTimeline.ts";

/**
 * Calibrated on the demo set's multi-letter patients: every true restatement scores ≥ 0.65
 * ("Osimertinib 80 mg daily from 12/09/2022" / "Osimertinib 12/09/2022 - 10/01/2024"), every
 * same-type, date-compatible pair that is a different event scores ≤ 0.42 (and the closest
 * of those are vetoed anyway). 0.55 sits in the gap.
 */
export const DEFAULT_SIMILARITY = 0.55;

type Letter = LetterTimeline & { order: number; year?: number; month?: number; evidenceByPath: Map<string, GroundedValue> };

const GRADE_RANK: Record<string, number> = { exact: 0, normalised: 1, fuzzy: 2, none: 3, ungrounded: 4 };

/** Keeps one document per letter (the corrected one wins) and puts them in chronological order. */
/** YYYY-MM-DD (month and day may be one digit) → [year, month, day]; null when unreadable. */
function parseLetterDate(date: string | null): [number, number, number] | null {
  const match = /^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?/.exec(date ?? "");
  if (!match) return null;
  const month = Number(match[2]);
  return month >= 1 && month <= 12 ? [Number(match[1]), month, Number(match[3] ?? 1)] : null;
}

/** Keeps one document per letter (the corrected one wins) and puts them in chronological order. */
function prepareLetters(letters: LetterTimeline[]): Letter[] {
  const byId = new Map<number, LetterTimeline>();
  for (const letter of letters) {
    const kept = byId.get(letter.letterId);
    if (!kept || letter.corrected || !kept.corrected) byId.set(letter.letterId, letter);
  }
  const dateKey = (letter: LetterTimeline) => {
    const date = parseLetterDate(letter.letterDate);
    return date ? date[0] * 10_000 + date[1] * 100 + date[2] : -1;
  };
  const sorted = [...byId.values()].sort((a, b) => dateKey(a) - dateKey(b) || a.letterId - b.letterId);
  return sorted.map((letter, order) => {
    const date = parseLetterDate(letter.letterDate);
    const prepared: Letter = { ...letter, order, evidenceByPath: new Map(letter.evidence.map((value) => [value.path, value])) };
    if (date) {
      prepared.year = date[0];
      prepared.month = date[1];
    }
    return prepared;
  });
}

function provenance(letter: Letter, path: string, value: string, grounded = true): Provenance {
  const evidence = grounded ? letter.evidenceByPath.get(path) : undefined;
  // Evidence recorded for another value at this path (stale) is not evidence for this one.
  const usable = evidence && evidence.value.trim() === value.trim() ? evidence : undefined;
  return {
    letterId: letter.letterId,
    path,
    value,
    span: usable?.span ?? null,
    grade: usable?.grade ?? null,
    corrected: letter.corrected === true,
  };
}

/** Best wording first: corrected, then best grounded, then longest (the most specific). */
function byPreference(a: Provenance, b: Provenance): number {
  return (
    Number(b.corrected) - Number(a.corrected) ||
    (GRADE_RANK[a.grade ?? "none"] ?? 3) - (GRADE_RANK[b.grade ?? "none"] ?? 3) ||
    b.value.length - a.value.length
  );
}

// ---------------------------------------------------------------- events

type Candidate = { letter: Letter; index: number; event: CancerEvent; features: Features; provenance: Provenance };

function eventDatesCompatible(a: CancerEvent, b: CancerEvent): boolean {
  if (a.year === undefined || b.year === undefined) return true;
  return a.year === b.year && (a.month === undefined || b.month === undefined || a.month === b.month);
}

function groupEvents(letters: Letter[], threshold: number): Candidate[][] {
  const groups: Candidate[][] = [];
  for (const letter of letters) {
    const candidates = letter.document.primary_cancer.cancer_timeline.map((event, index): Candidate => ({
      letter,
      index,
      event,
      features: features(event.value),
      provenance: provenance(letter, `primary_cancer.cancer_timeline[${index}].value`, event.value),
    }));
    const pairs: { candidate: number; group: number; score: number }[] = [];
    candidates.forEach((candidate, c) => {
      groups.forEach((members, g) => {
        const compatible = members.every(
          (member) => member.event.type === candidate.event.type && eventDatesCompatible(member.event, candidate.event),
        );
        if (!compatible) return;
        const score = Math.max(...members.map((member) => matchScore(member.features, candidate.features)));
        if (score >= threshold) pairs.push({ candidate: c, group: g, score });
      });
    });
    pairs.sort((a, b) => b.score - a.score || a.candidate - b.candidate || a.group - b.group);
    const placed = new Set<number>();
    const taken = new Set<number>();
    for (const pair of pairs) {
      if (placed.has(pair.candidate) || taken.has(pair.group)) continue;
      placed.add(pair.candidate);
      taken.add(pair.group);
      groups[pair.group]?.push(candidates[pair.candidate] as Candidate);
    }
    candidates.forEach((candidate, c) => {
      if (!placed.has(c)) groups.push([candidate]);
    });
  }
  return groups;
}

function mergeGroup(members: Candidate[]): MergedEvent & { sort: number[] } {
  const first = members[0] as Candidate;
  const dated = members.filter((m) => m.event.year !== undefined);
  const withMonth = dated.find((m) => m.event.month !== undefined) ?? dated[0];
  let year: number | undefined;
  let month: number | undefined;
  let dateSource: DateSource;
  if (withMonth) {
    year = withMonth.event.year;
    month = withMonth.event.month;
    dateSource = "stated";
  } else {
    // Members come in letter order, so the first placed letter is the earliest report.
    const placedBy = members.find((m) => m.letter.year !== undefined)?.letter;
    year = placedBy?.year;
    month = placedBy?.month;
    dateSource = placedBy ? "letter-date" : "unknown";
  }
  const provenanceList = members.map((m) => m.provenance);
  const representative = [...provenanceList].sort(byPreference)[0] as Provenance;
  const merged: MergedEvent & { sort: number[] } = {
    type: first.event.type,
    value: representative.value,
    dateSource,
    provenance: provenanceList,
    sort: [
      year ?? Number.POSITIVE_INFINITY,
      month ?? 0,
      dateSource === "stated" ? 0 : 1,
      first.letter.order,
      first.index,
    ],
  };
  if (year !== undefined) merged.year = year;
  if (month !== undefined) merged.month = month;
  return merged;
}

function compareSort(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function mergeEvents(letters: Letter[], threshold: number): MergedEvent[] {
  return groupEvents(letters, threshold)
    .map(mergeGroup)
    .sort((a, b) => compareSort(a.sort, b.sort))
    .map(({ sort: _sort, ...event }) => event);
}

// ---------------------------------------------------------------- scalar fields

type Stated = { letter: Letter; provenance: Provenance };

/** Stage notation: case, spaces, punctuation and the word "stage" do not matter ("Stage IIB" = "IIB"). */
export function normaliseStage(value: string): string {
  return cleanText(value).replace(/\bstage\b/g, "").replace(/[^a-z0-9]/g, "");
}

/**
 * Free text: case, punctuation, hyphens inside words ("PD-L1" = "PDL1"), whitespace and export
 * artefacts do not matter; a trailing sign does ("ER+" ≠ "ER-").
 */
export function normaliseText(value: string): string {
  return cleanText(value)
    .split(/[^a-z0-9+-]+/)
    .map((token) => {
      const [, base = "", sign = ""] = /^(.*?)([+-]*)$/.exec(token) ?? [];
      return base.replace(/-/g, "") + sign;
    })
    .filter((token) => token !== "" && token !== "-")
    .join(" ");
}

function isSubset(a: Set<string>, b: Set<string>): boolean {
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** Every pair of values nested by words: one is the other worded more fully. */
function conflictKind(values: string[]): Conflict["kind"] {
  const sets = values.map(tokenSet);
  for (let i = 0; i < sets.length; i++)
    for (let j = i + 1; j < sets.length; j++) {
      const a = sets[i] as Set<string>;
      const b = sets[j] as Set<string>;
      if (!isSubset(a, b) && !isSubset(b, a)) return "different";
    }
  return "refinement";
}

function latestPreferringCorrected(stated: Stated[]): Stated {
  const corrected = stated.filter((s) => s.provenance.corrected);
  return (corrected.at(-1) ?? stated.at(-1)) as Stated;
}

/**
 * Merges one scalar field stated by several letters (in chronological order). `keyOf` groups the
 * values that count as equal.
 */
function mergeScalar(field: string, stated: Stated[], keyOf: (value: string) => string, conflicts: Conflict[]): ScalarField | undefined {
  if (stated.length === 0) return undefined;
  const groups = new Map<string, Stated[]>();
  for (const s of stated) {
    const key = keyOf(s.provenance.value);
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const all = stated.map((s) => s.provenance);
  if (groups.size === 1) {
    // Same value everywhere: show the latest wording (a corrected one if any).
    return { value: latestPreferringCorrected(stated).provenance.value, conflicted: false, provenance: all };
  }
  const values = [...groups.values()].map((group) => ({
    value: latestPreferringCorrected(group).provenance.value,
    provenance: group.map((s) => s.provenance),
  }));
  conflicts.push({ field, kind: conflictKind(values.map((v) => v.value)), values });
  return { value: latestPreferringCorrected(stated).provenance.value, conflicted: true, provenance: all };
}

type CancerLike = Omit<PrimaryCancer, "cancer_timeline"> & Partial<Pick<OtherCancer, "latest_situation">>;
type CancerSource = { letter: Letter; cancer: CancerLike; path: string };

const TEXT_FIELDS = ["site", "metastases", "histopathology_status", "biomarker_status"] as const;
const STAGE_FIELDS = ["tnm_stage", "other_stage"] as const;

/**
 * Diagnosis date: "2021" and "2021-02" are compatible (the month is just not stated), so a year
 * alone joins the single month of that year stated elsewhere; anything else is a conflict.
 */
function mergeDiagnosis(field: string, sources: CancerSource[], conflicts: Conflict[]): DiagnosisDate | undefined {
  const stated: Stated[] = [];
  for (const { letter, cancer, path } of sources) {
    if (cancer.year === undefined) continue;
    const value = cancer.month === undefined ? String(cancer.year) : `${cancer.year}-${String(cancer.month).padStart(2, "0")}`;
    stated.push({ letter, provenance: provenance(letter, `${path}.year`, value, false) });
  }
  if (stated.length === 0) return undefined;
  const months = new Set(stated.map((s) => s.provenance.value).filter((v) => v.length > 4));
  const keyOf = (value: string) => {
    if (value.length > 4) return value;
    const same = [...months].filter((m) => m.startsWith(value));
    return same.length === 1 ? (same[0] as string) : value;
  };
  const merged = mergeScalar(field, stated, keyOf, conflicts);
  if (!merged) return undefined;
  // Show the most specific form of the chosen value ("2021" → "2021-02" when compatible).
  const value = keyOf(merged.value);
  const [year, month] = value.split("-").map(Number);
  const out: DiagnosisDate = { ...merged, value, year: year as number };
  if (month !== undefined) out.month = month;
  return out;
}

function mergeCancerFields(prefix: string, sources: CancerSource[], conflicts: Conflict[]): MergedCancer {
  const out: MergedCancer = {};
  const collect = (key: (typeof TEXT_FIELDS)[number] | (typeof STAGE_FIELDS)[number]): Stated[] =>
    sources.flatMap(({ letter, cancer, path }) => {
      const value = cancer[key];
      return value === undefined ? [] : [{ letter, provenance: provenance(letter, `${path}.${key}`, value) }];
    });
  for (const key of TEXT_FIELDS) {
    const merged = mergeScalar(`${prefix}.${key}`, collect(key), normaliseText, conflicts);
    if (merged) out[key] = merged;
  }
  const diagnosis = mergeDiagnosis(`${prefix}.diagnosis`, sources, conflicts);
  if (diagnosis) out.diagnosis = diagnosis;
  for (const key of STAGE_FIELDS) {
    const merged = mergeScalar(`${prefix}.${key}`, collect(key), normaliseStage, conflicts);
    if (merged) out[key] = merged;
  }
  return out;
}

// ---------------------------------------------------------------- other cancers

/**
 * Other cancers are matched across letters by site (the same similarity as events, same
 * threshold; one entry per letter per cancer). An entry without a site only joins other
 * site-less entries with the same diagnosis year, or stands alone.
 */
function mergeOtherCancers(letters: Letter[], threshold: number, conflicts: Conflict[]): MergedOtherCancer[] {
  const groups: CancerSource[][] = [];
  for (const letter of letters) {
    letter.document.other_cancers.forEach((cancer, index) => {
      const path = `other_cancers[${index}]`;
      let best = -1;
      let bestScore = 0;
      groups.forEach((members, g) => {
        // One entry per letter per cancer: a letter listing two cancers means two cancers.
        if (members.some((m) => m.letter === letter)) return;
        const score = Math.max(
          ...members.map((m) => {
            if (cancer.site === undefined || m.cancer.site === undefined) {
              return cancer.site === undefined && m.cancer.site === undefined && cancer.year !== undefined && cancer.year === m.cancer.year ? 1 : 0;
            }
            return similarity(features(cancer.site), features(m.cancer.site));
          }),
        );
        if (score >= threshold && score > bestScore) {
          best = g;
          bestScore = score;
        }
      });
      const source = { letter, cancer, path };
      if (best >= 0) {
        groups[best]?.push(source);
      } else {
        groups.push([source]);
      }
    });
  }
  return groups.map((members, n) => {
    const sites = members.flatMap((m) => (m.cancer.site === undefined ? [] : [provenance(m.letter, `${m.path}.site`, m.cancer.site)]));
    const label = [...sites].sort(byPreference)[0]?.value ?? `#${n + 1}`;
    const merged: MergedOtherCancer = { label, ...mergeCancerFields(`other_cancers[${label}]`, members, conflicts) };
    const situations = members.flatMap((m) =>
      m.cancer.latest_situation === undefined ? [] : [factValue(m.letter, `${m.path}.latest_situation`, m.cancer.latest_situation)],
    );
    const current = situations.at(-1);
    if (current) merged.latestSituation = { current, history: situations.slice(0, -1).reverse() };
    return merged;
  });
}

// ---------------------------------------------------------------- facts and status updates

function factValue(letter: Letter, path: string, value: string): FactValue {
  return { value, letterId: letter.letterId, letterDate: letter.letterDate, provenance: provenance(letter, path, value) };
}

function latestWithHistory<T extends string>(
  types: readonly T[],
  letters: Letter[],
  itemsOf: (letter: Letter) => { type: T; value: string }[],
  section: string,
): FactGroup<T>[] {
  const out: FactGroup<T>[] = [];
  for (const type of types) {
    const perLetter = letters
      .map((letter) =>
        itemsOf(letter).flatMap((item, index) => (item.type === type ? [factValue(letter, `${section}[${index}].value`, item.value)] : [])),
      )
      .filter((values) => values.length > 0);
    const current = perLetter.at(-1);
    if (!current) continue;
    out.push({ type, current, history: perLetter.slice(0, -1).reverse().flat() });
  }
  return out;
}

// ---------------------------------------------------------------- entry point

export function mergePatientTimeline(patient: string, letters: LetterTimeline[], options: MergeOptions = {}): PatientTimeline {
  const threshold = options.similarity ?? DEFAULT_SIMILARITY;
  const prepared = prepareLetters(letters);
  const conflicts: Conflict[] = [];
  const primaryCancer = mergeCancerFields(
    "primary_cancer",
    prepared.map((letter) => ({ letter, cancer: letter.document.primary_cancer, path: "primary_cancer" })),
    conflicts,
  );
  const otherCancers = mergeOtherCancers(prepared, threshold, conflicts);
  return {
    patient,
    letters: prepared.map((letter) => letter.letterId),
    primaryCancer,
    events: mergeEvents(prepared, threshold),
    otherCancers,
    patientFacts: latestWithHistory<PatientFactType>(PATIENT_FACT_TYPES, prepared, (l) => l.document.patient_facts, "patient_facts"),
    statusUpdates: latestWithHistory<StatusUpdateType>(STATUS_UPDATE_TYPES, prepared, (l) => l.document.status_updates, "status_updates"),
    conflicts,
  };
}
