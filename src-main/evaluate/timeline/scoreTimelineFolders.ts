/**
 * A folder of predicted timeline documents scored against a folder of gold ones, one JSON file per
 * letter, paired by file name. A missing or unreadable prediction scores as predicting nothing
 * and counts against JSON validity; a gold folder with any unreadable file is refused with each
 * one named (a score over part of a gold set would mislead).
 */
import path from "node:path";
import { MISSED_EVENT, SPURIOUS_EVENT, type EventTypeConfusion, type Prf, type TimelineLetterReport, type TimelineModeReport, type TimelineReport } from "../../../src-shared/api.ts";
import { CANCER_EVENT_TYPES } from "../../../src-shared/timeline.ts";
import { percentileInterval, resampleCounts } from "../bootstrap.ts";
import { filesEndingWith } from "../goldFiles.ts";
import { ScoringInputError } from "../scoringInputError.ts";
import { readTimelineFile, type ScoredDocument } from "./timelineFile.ts";
import { dateAgreement, eventTypeConfusion, RELAXED_SIMILARITY, scoreLetter, type Counts, type DateCounts, type LetterCounts, type Mode, type TypeConfusion } from "./timelineScore.ts";

export type TimelineScoreOptions = { intervals?: boolean; resamples?: number; seed?: number; level?: number };

const NOTHING: ScoredDocument = { scalars: {}, lists: { cancer_timeline: [], other_cancers: [], patient_facts: [], status_updates: [] } };

export type ScoredLetter = { name: string; strict: LetterCounts; relaxed: LetterCounts; dates: DateCounts; eventTypes: TypeConfusion; problem: string | null; notes: string[] };
export type ScoredFolder = { letters: ScoredLetter[]; validity: { valid: number; invalid: number; missing: number }; predictionsWithoutGold: number };

/** Every gold letter scored in both modes against its prediction (a missing or unreadable one predicting nothing). */
export function scoreLetters(goldDir: string, predDir: string): ScoredFolder {
  const goldFiles = filesEndingWith(goldDir, ".json", "gold");
  const predFiles = new Set(filesEndingWith(predDir, ".json", "prediction"));
  const problems: string[] = [];
  const letters: ScoredLetter[] = [];
  const validity = { valid: 0, invalid: 0, missing: 0 };
  for (const name of goldFiles) {
    const gold = readTimelineFile(path.join(goldDir, name));
    if (gold.document === null) {
      problems.push(`${name}: ${gold.error}`);
      continue;
    }
    let predicted = NOTHING;
    let problem: string | null = null;
    const notes = gold.notes.map((note) => `gold ${note}`);
    if (!predFiles.has(name)) {
      validity.missing++;
      problem = "no prediction file";
    } else {
      const read = readTimelineFile(path.join(predDir, name));
      if (read.document === null) {
        validity.invalid++;
        problem = `prediction ${read.error}`;
      } else {
        validity.valid++;
        predicted = read.document;
        notes.push(...read.notes.map((note) => `prediction ${note}`));
      }
    }
    letters.push({
      name,
      strict: scoreLetter(gold.document, predicted, "strict"),
      relaxed: scoreLetter(gold.document, predicted, "relaxed"),
      dates: dateAgreement(gold.document, predicted),
      eventTypes: eventTypeConfusion(gold.document, predicted),
      problem,
      notes,
    });
  }
  if (problems.length > 0) throw new ScoringInputError(`${goldDir}: ${problems.length} gold file(s) cannot be read:\n  ${problems.join("\n  ")}`);
  const goldNames = new Set(goldFiles);
  return { letters, validity, predictionsWithoutGold: [...predFiles].filter((name) => !goldNames.has(name)).length };
}

export function scoreTimelineFolders(goldDir: string, predDir: string, options: TimelineScoreOptions = {}): TimelineReport {
  return timelineReport(scoreLetters(goldDir, predDir), options);
}

/** The report of a folder of letters scored already (scoreLetters). */
export function timelineReport({ letters, validity, predictionsWithoutGold }: ScoredFolder, options: TimelineScoreOptions = {}): TimelineReport {
  const level = options.level ?? 0.95;
  const report = (mode: Mode): TimelineModeReport => modeReport(letters.map((letter) => letter[mode]), options, level);
  const byLetter: TimelineLetterReport[] = letters.map((letter) => ({
    name: letter.name,
    problem: letter.problem,
    strict: total(letter.strict),
    relaxed: total(letter.relaxed),
    misses: letter.strict.misses,
    notes: letter.notes,
  }));
  return {
    letters: letters.length,
    strict: report("strict"),
    relaxed: report("relaxed"),
    relaxed_similarity: RELAXED_SIMILARITY,
    json_validity: { ...validity, rate: letters.length === 0 ? 0 : validity.valid / letters.length },
    date_accuracy: dateAccuracy(letters.map((letter) => letter.dates)),
    predictions_without_gold: predictionsWithoutGold,
    event_type_confusion: pooledConfusion(letters.map((letter) => letter.eventTypes)),
    bootstrap: options.intervals ? { resamples: options.resamples ?? 1000, seed: options.seed ?? 1, level, unit: "letter" } : null,
    by_letter: byLetter,
  };
}

/** Counts summed over letters, each counted `weights[i]` times (default once); `pick` chooses what of a letter (a section, a field). */
export function pooled(letters: readonly LetterCounts[], pick: (letter: LetterCounts) => Counts | undefined, weights?: Uint32Array): Counts {
  const sum = { tp: 0, fp: 0, fn: 0 };
  letters.forEach((letter, index) => {
    const counts = pick(letter);
    const times = weights ? (weights[index] as number) : 1;
    if (!counts || times === 0) return;
    sum.tp += counts.tp * times;
    sum.fp += counts.fp * times;
    sum.fn += counts.fn * times;
  });
  return sum;
}

function modeReport(letters: readonly LetterCounts[], options: TimelineScoreOptions, level: number): TimelineModeReport {
  const sum = (pick: (letter: LetterCounts) => Counts | undefined, weights?: Uint32Array): Counts => pooled(letters, pick, weights);
  const keys = (bucket: (letter: LetterCounts) => Record<string, Counts>): string[] => [...new Set(letters.flatMap((letter) => Object.keys(bucket(letter))))];
  const sections = keys((letter) => letter.bySection);
  const intervals = new Map<string, number[]>();
  if (options.intervals) {
    for (const counts of resampleCounts(letters.length, options.resamples ?? 1000, options.seed ?? 1)) {
      const record = (key: string, value: Counts): void => {
        const f1 = prf(value).f1;
        if (f1 !== null) (intervals.get(key) ?? intervals.set(key, []).get(key))?.push(f1);
      };
      record("overall", sum(total, counts));
      for (const section of sections) record(`section:${section}`, sum((letter) => letter.bySection[section], counts));
    }
  }
  const withInterval = (key: string, value: Prf): Prf => {
    const values = intervals.get(key);
    return values ? { ...value, f1_ci: percentileInterval(values, level) } : value;
  };
  const perLetter = letters.map((letter) => prf(total(letter)).f1).filter((f1): f1 is number => f1 !== null);
  return {
    overall: withInterval("overall", prf(sum(total))),
    by_section: Object.fromEntries(sections.map((section) => [section, withInterval(`section:${section}`, prf(sum((letter) => letter.bySection[section])))])),
    by_field: Object.fromEntries(keys((letter) => letter.byField).map((field) => [field, prf(sum((letter) => letter.byField[field]))])),
    by_type: Object.fromEntries(keys((letter) => letter.byType).sort().map((type) => [type, prf(sum((letter) => letter.byType[type]))])),
    macro_f1: perLetter.length === 0 ? null : perLetter.reduce((a, b) => a + b, 0) / perLetter.length,
  };
}

/** The letters' event pairings counted gold type × predicted type; every schema type is a row and column, so two models' matrices line up. */
export function pooledConfusion(letters: readonly TypeConfusion[]): EventTypeConfusion {
  const seen = new Set(letters.flatMap((letter) => [...letter.pairs.flat(), ...letter.missed, ...letter.spurious]));
  const known: readonly string[] = CANCER_EVENT_TYPES;
  const types = [...known, ...[...seen].filter((type) => !known.includes(type)).sort()];
  const counts: EventTypeConfusion["counts"] = {};
  for (const row of [...types, SPURIOUS_EVENT]) counts[row] = Object.fromEntries([...types, ...(row === SPURIOUS_EVENT ? [] : [MISSED_EVENT])].map((column) => [column, 0]));
  const count = (row: string, column: string): void => {
    (counts[row] as Record<string, number>)[column] = ((counts[row] as Record<string, number>)[column] as number) + 1;
  };
  for (const letter of letters) {
    for (const [gold, predicted] of letter.pairs) count(gold, predicted);
    for (const gold of letter.missed) count(gold, MISSED_EVENT);
    for (const predicted of letter.spurious) count(SPURIOUS_EVENT, predicted);
  }
  return { types, counts };
}

function dateAccuracy(letters: readonly DateCounts[]): TimelineReport["date_accuracy"] {
  const sum = letters.reduce((a, b) => ({ withYear: a.withYear + b.withYear, yearRight: a.yearRight + b.yearRight, withMonth: a.withMonth + b.withMonth, monthRight: a.monthRight + b.monthRight }), { withYear: 0, yearRight: 0, withMonth: 0, monthRight: 0 });
  return {
    events_with_year: sum.withYear,
    year_accuracy: sum.withYear === 0 ? null : sum.yearRight / sum.withYear,
    events_with_month: sum.withMonth,
    month_accuracy: sum.withMonth === 0 ? null : sum.monthRight / sum.withMonth,
  };
}

/** A letter's counts over every section. */
export function total(letter: LetterCounts): Counts {
  const sum = { tp: 0, fp: 0, fn: 0 };
  for (const counts of Object.values(letter.bySection)) {
    sum.tp += counts.tp;
    sum.fp += counts.fp;
    sum.fn += counts.fn;
  }
  return sum;
}

export function prf({ tp, fp, fn }: Counts): Prf {
  return {
    tp,
    fp,
    fn,
    precision: tp + fp === 0 ? null : tp / (tp + fp),
    recall: tp + fn === 0 ? null : tp / (tp + fn),
    f1: 2 * tp + fp + fn === 0 ? null : (2 * tp) / (2 * tp + fp + fn),
  };
}

