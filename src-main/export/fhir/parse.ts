/**
 * The few honest readings of free text the FHIR export makes. Each returns undefined unless the
 * text can be read without guessing; the caller then keeps the text as text.
 */

/** FHIR partial date: `YYYY` or `YYYY-MM` (a month without a year is dropped: FHIR has no such date). */
export function partialDate(year: number | undefined, month: number | undefined): string | undefined {
  if (year === undefined) return undefined;
  const yyyy = String(year).padStart(4, "0");
  return month === undefined ? yyyy : `${yyyy}-${String(month).padStart(2, "0")}`;
}

/** A letter date as stored (`YYYY-MM-DD`, `YYYY-MM` or `YYYY`, optionally with a time) → a FHIR date, or undefined. */
export function letterDate(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value.trim());
  if (!match) return undefined;
  const [, y, m, d] = match;
  if (m !== undefined && (Number(m) < 1 || Number(m) > 12)) return y;
  if (d !== undefined && m !== undefined) {
    const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
    if (date.getUTCMonth() !== Number(m) - 1) return `${y}-${m}`;
    return `${y}-${m}-${d}`;
  }
  return m === undefined ? y : `${y}-${m}`;
}

export type TnmCategories = { t?: string; n?: string; m?: string };

// One TNM category as written: optional prefixes (c p y r a u, e.g. "yp"), the letter, its value
// and sub-letters, optional (sn)/(i+)/(mol+)/(m) style qualifiers. Examples: pT2, ypT1c, N1a,
// N0(i+), cM0, M1c, Tis, TX, pN1mi, T2(m).
const CATEGORY = /(?<prefix>[cpyrau]{0,3})(?<letter>[TNM])(?<value>is|[0-4X](?:mi|[a-d])?(?:\((?:m|\d+|sn|i[+-]|mol[+-]|f)\))?)/iy;

/**
 * Splits a TNM string into its T, N and M categories, as written ("pT2 N1a M0" → pT2, N1a, M0;
 * also the compact "pT2N1aM0"), only when the whole string is categories and none repeats; else
 * undefined.
 */
export function parseTnm(text: string): TnmCategories | undefined {
  const tokens = text.trim().replace(/[,;]/g, " ").split(/\s+/).filter(Boolean);
  if (tokens.length === 0 || tokens.length > 3) return undefined;
  const found: TnmCategories = {};
  for (const token of tokens) {
    CATEGORY.lastIndex = 0;
    while (CATEGORY.lastIndex < token.length) {
      const start = CATEGORY.lastIndex;
      const match = CATEGORY.exec(token);
      const letter = match?.groups?.letter?.toLowerCase() as keyof TnmCategories | undefined;
      if (!match || !letter || found[letter] !== undefined) return undefined;
      found[letter] = token.slice(start, CATEGORY.lastIndex);
    }
  }
  return found;
}

/**
 * An `other_stage` that reads as a TNM (AJCC/UICC) stage group: "stage IVB", "Stage IIIC (AJCC
 * 8th)", "stage 0". A stage naming another system (FIGO, Ann Arbor, Binet, ...) or none of the
 * roman-numeral groups ("high volume (CHAARTED)") is not: it becomes a generic CancerStage.
 */
export function isTnmStageGroup(text: string): boolean {
  const otherSystem = /\b(FIGO|Ann\s*Arbor|Lugano|R?-?ISS|Binet|Rai|Dukes|BCLC|Gleason|ISUP|Grade\s*Group|Clark|Breslow|Durie|Lansky|INSS|INRG|Masaoka|Child-Pugh|Enneking|Chang|Barcelona|Limited|Extensive|CHAARTED|LATITUDE|IPI)\b/i;
  return !otherSystem.test(text) && /\bstage\s+(?:0|0is|I{1,3}|IV)[A-D]?[0-9]?(?![\p{L}\p{N}])/iu.test(text);
}

export type PerformanceScore = { scale: "ecog" | "karnofsky"; score: number };

/**
 * An ECOG (also written WHO or Zubrod) or Karnofsky score, only when the text names the scale and
 * holds exactly one number, a valid score on that scale ("ECOG performance status is now 2 (…)").
 * "ECOG 1-2", "WHO PS 0, now 2" or "PS 2" (scale not named) give undefined.
 */
export function parsePerformanceStatus(text: string): PerformanceScore | undefined {
  const ecog = /\b(ECOG|WHO|Zubrod)\b/i.test(text);
  const karnofsky = /\b(Karnofsky|KPS)\b/i.test(text);
  if (ecog === karnofsky) return undefined;
  const numbers = [...text.matchAll(/\d+(?:\.\d+)?/g)].map((m) => m[0]);
  if (numbers.length !== 1 || /\d\s*(-|–|—|\/|to|or)\s*\d/i.test(text)) return undefined;
  const value = numbers[0] as string;
  if (!/^\d+$/.test(value)) return undefined;
  const score = Number(value);
  if (ecog) return score <= 5 ? { scale: "ecog", score } : undefined;
  return score <= 100 && score % 10 === 0 ? { scale: "karnofsky", score } : undefined;
}

/** A systemic-therapy text that says it is planned, not given: exported as a MedicationRequest. */
export function isPlanned(text: string): boolean {
  return /\b(plan(?:ned|s)?\s+(?:to|for)|planned|will\s+(?:start|commence|begin|receive|have)|to\s+(?:start|commence|begin)|proposed|recommend(?:ed|ation)?|due\s+to\s+start|awaiting\s+(?:start|funding))\b/i.test(text);
}
