/**
 * Did the teacher put the requested data-quality issue into the letter? Each issue a grid row can
 * ask for (gridSampler's DEFAULT_DATA_QUALITY_ISSUES, or free text in a hand-made grid) maps to an
 * artefact kind with a detector. The detectors are heuristics tuned to find the artefact when it is
 * there (a missed artefact rejects a letter that cost money), and each one is unit-tested both ways.
 * An issue no rule recognises is not checked: it is reported as such, never failed.
 */
import type { TimelineDocument } from "../../src-shared/timeline.ts";
import { words } from "./nearDuplicate.ts";

export const ARTEFACT_KINDS = [
  "misspelling",
  "abbreviations",
  "relative-dates",
  "missing-dates",
  "repeated-paragraph",
  "inconsistent-stage",
  "export-whitespace",
  "lost-character",
] as const;
export type ArtefactKind = (typeof ARTEFACT_KINDS)[number];

/** Issue text → artefact kinds, first match per rule; matched case-insensitively. */
const ISSUE_RULES: readonly [RegExp, ArtefactKind][] = [
  [/misspel|typo/i, "misspelling"],
  [/abbreviation/i, "abbreviations"],
  [/relative/i, "relative-dates"],
  [/dates? missing|missing dates?|without (a )?dates?|no dates?\b/i, "missing-dates"],
  [/pasted twice|repeated paragraph|duplicated paragraph/i, "repeated-paragraph"],
  [/stage.*inconsisten|inconsisten.*stage/i, "inconsistent-stage"],
  [/\\[nt]|tab|newline|line break|export whitespace/i, "export-whitespace"],
  [/lost char|stray \?|question mark/i, "lost-character"],
];

/** The artefact kinds a row's data-quality issue asks for (empty: none asked, or not recognised). */
export function requestedArtefacts(issue: string | null): ArtefactKind[] {
  if (issue === null) return [];
  const kinds: ArtefactKind[] = [];
  for (const [pattern, kind] of ISSUE_RULES) if (pattern.test(issue) && !kinds.includes(kind)) kinds.push(kind);
  return kinds;
}

/**
 * Correct spellings of the words letters misspell most (biomarkers, drugs, common clinical terms).
 * A letter word one edit (two, for words of eight letters or more) away from one of them, and not
 * itself in the list, is a misspelling.
 */
export const CLINICAL_VOCABULARY: readonly string[] = [
  "her2", "egfr", "alk", "kras", "braf", "ros1", "brca1", "brca2", "pik3ca", "ki67", "pd-l1", "msi", "mmr", "oestrogen", "progesterone", "receptor",
  "positive", "negative", "amplified", "mutation", "mutated", "wild-type", "carcinoma", "adenocarcinoma", "metastases", "metastasis", "metastatic",
  "lymphoma", "melanoma", "chemotherapy", "radiotherapy", "immunotherapy", "oncology", "histology", "biopsy", "lymphadenopathy",
  "osimertinib", "carboplatin", "cisplatin", "paclitaxel", "docetaxel", "pembrolizumab", "nivolumab", "trastuzumab", "pertuzumab", "letrozole",
  "anastrozole", "tamoxifen", "capecitabine", "oxaliplatin", "irinotecan", "bevacizumab", "gemcitabine", "pemetrexed", "abiraterone",
  "enzalutamide", "rituximab", "doxorubicin", "cyclophosphamide", "palbociclib", "ribociclib", "abemaciclib", "olaparib", "durvalumab",
  "atezolizumab", "ipilimumab", "fulvestrant", "zoledronic", "denosumab", "dexamethasone", "ondansetron",
];

const VOCABULARY = new Set(CLINICAL_VOCABULARY);
/** Hyphens are a matter of style ("HER-2", "PD-L1", "PDL1"), not spelling. */
const unhyphenated = (word: string): string => word.replace(/-/g, "");
const VOCABULARY_UNHYPHENATED = new Set(CLINICAL_VOCABULARY.map(unhyphenated));

/** Optimal-string-alignment distance (Levenshtein plus adjacent transposition: "EGRF"), capped. */
export function editDistance(a: string, b: string, cap = 3): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const prev = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = d;
    }
  }
  return Math.min((rows[a.length] as number[])[b.length] as number, cap + 1);
}

/** Misspelt vocabulary words in the letter, as "written→meant". */
export function findMisspellings(letter: string): string[] {
  const found: string[] = [];
  const tokens = new Set(letter.toLowerCase().split(/[^\p{L}\p{N}-]+/u).map((t) => t.replace(/^-+|-+$/g, "")));
  for (const token of tokens) {
    if (token.length < 3 || VOCABULARY_UNHYPHENATED.has(unhyphenated(token)) || !/\p{L}/u.test(token)) continue;
    for (const term of VOCABULARY) {
      const allowed = term.length >= 8 ? 2 : 1;
      if (term.length < 4 && token.length !== term.length) continue;
      if (editDistance(token, term, allowed) <= allowed) {
        found.push(`${token}→${term}`);
        break;
      }
    }
  }
  return found;
}

/** Lower-case shorthand letters use without expansion. */
const LOWERCASE_ABBREVIATIONS = new Set(["pt", "pts", "hx", "rx", "tx", "dx", "sx", "fu", "f/u", "c/o", "yrs", "yo", "wks", "mths", "bd", "tds", "od", "prn", "nad", "sob", "n/v", "o/e", "w/o", "r/v", "ix", "mx", "cx"]);

/** Distinct abbreviations in the letter: capitalised shorthand (CT, ECOG, FBC, HER2) and common lower-case ones. */
export function findAbbreviations(letter: string): string[] {
  const text = letter.replace(/\\[nt]/g, " ");
  const found = new Set<string>();
  for (const match of text.matchAll(/(?<![\p{L}\p{N}])[A-Z][A-Za-z0-9]{0,5}(?![\p{L}\p{N}])/gu)) {
    const token = match[0];
    if ((token.match(/[A-Z]/g) ?? []).length >= 2 && token.length <= 6) found.add(token);
  }
  for (const token of text.toLowerCase().split(/[\s,.;:()]+/)) if (LOWERCASE_ABBREVIATIONS.has(token)) found.add(token);
  return [...found];
}

/** "Heavy" abbreviation: at least this many distinct ones (an ordinary letter has five or six: CT, PS, ER, FBC ...). */
export const HEAVY_ABBREVIATIONS = 10;

const RELATIVE_DATE =
  /\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|a few|several|a couple of)\s+(?:days?|weeks?|months?|years?)\s+ago\b|\b(?:last|this|next)\s+(?:week|month|year|spring|summer|autumn|winter|christmas)\b|\byesterday\b|\b(?:earlier|later) this (?:week|month|year)\b|\brecently\b/i;

/** A run of this many words that occurs twice is a pasted paragraph (not a repeated phrase). */
export const REPEATED_RUN_WORDS = 12;

export function findRepeatedRun(letter: string, n = REPEATED_RUN_WORDS): string | null {
  const list = words(letter);
  const seen = new Set<string>();
  for (let i = 0; i + n <= list.length; i++) {
    const run = list.slice(i, i + n).join(" ");
    if (seen.has(run)) return run;
    seen.add(run);
  }
  return null;
}

/** Distinct stage statements: "stage IIIA", "stage 3", "T2 N1 M0" (spacing and case evened out). */
export function findStages(letter: string): string[] {
  const text = letter.replace(/\\[nt]/g, " ");
  const found = new Set<string>();
  for (const m of text.matchAll(/\bstage\s+(IV|I{1,3}|[1-4])([ABC]\d?)?\b/gi)) {
    const roman = { "1": "I", "2": "II", "3": "III", "4": "IV" }[m[1] as string] ?? (m[1] as string).toUpperCase();
    found.add(`stage ${roman}${(m[2] ?? "").toUpperCase()}`);
  }
  for (const m of text.matchAll(/\b[yp]?T([0-4x][a-d]?|is)\s*N([0-3x][a-c]?)\s*M([01x][a-c]?)\b/gi)) found.add(`T${m[1]}N${m[2]}M${m[3]}`.toUpperCase());
  return [...found];
}

/** True when some stage-overall statement disagrees with another, or two TNM statements differ. */
function stagesDisagree(stages: string[]): boolean {
  return stages.filter((s) => s.startsWith("stage ")).length >= 2 || stages.filter((s) => s.startsWith("T")).length >= 2;
}

export type ArtefactCheck = { kind: ArtefactKind; present: boolean; evidence: string };

/** Looks for one artefact kind in the letter (and, for missing dates, in its gold). */
export function checkArtefact(kind: ArtefactKind, letter: string, gold: TimelineDocument): ArtefactCheck {
  switch (kind) {
    case "misspelling": {
      const found = findMisspellings(letter);
      return { kind, present: found.length > 0, evidence: found.length > 0 ? found.slice(0, 3).join(", ") : "no misspelt clinical term found" };
    }
    case "abbreviations": {
      const found = findAbbreviations(letter);
      return { kind, present: found.length >= HEAVY_ABBREVIATIONS, evidence: `${found.length} distinct abbreviations (heavy: ${HEAVY_ABBREVIATIONS} or more)` };
    }
    case "relative-dates": {
      const match = RELATIVE_DATE.exec(letter.replace(/\\[nt]/g, " "));
      return { kind, present: match !== null, evidence: match ? `"${match[0]}"` : "no relative date ('3 weeks ago', 'last spring') found" };
    }
    case "missing-dates": {
      const undated = gold.primary_cancer.cancer_timeline.filter((e) => e.type.startsWith("treatment_") && e.year === undefined);
      return { kind, present: undated.length > 0, evidence: undated.length > 0 ? `${undated.length} treatment(s) without a date` : "every treatment in the gold has a date" };
    }
    case "repeated-paragraph": {
      const run = findRepeatedRun(letter);
      return { kind, present: run !== null, evidence: run ? `"${run}" occurs twice` : `no passage of ${REPEATED_RUN_WORDS} words occurs twice` };
    }
    case "inconsistent-stage": {
      const stages = findStages(letter);
      return { kind, present: stagesDisagree(stages), evidence: stages.length > 0 ? `stages stated: ${stages.join(", ")}` : "no stage stated" };
    }
    case "export-whitespace": {
      const present = /\\[nt]/.test(letter);
      return { kind, present, evidence: present ? "literal \\n or \\t present" : "no literal \\n or \\t" };
    }
    case "lost-character": {
      const match = /[\p{L}\p{N}]\?[\p{L}\p{N}]/u.exec(letter);
      return { kind, present: match !== null, evidence: match ? `"${match[0]}"` : "no lost-character '?' inside a word" };
    }
  }
}
