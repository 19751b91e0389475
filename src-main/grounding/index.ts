/**
 * Grounding: ties every extracted value, and every extracted date, to the words of the letter
 * that support it. The letter is indexed once (letterIndex.ts); text values are matched exact,
 * normalised or fuzzy (text.ts); dates are matched to the letter's own date expressions (dates.ts).
 * A capability of its own, not part of extract/: extraction, the synthetic studio's validation
 * and review's re-grounding of corrected values all use it.
 */
import type { GroundedValue } from "../../src-shared/evidence.ts";
import { formatPath, type TimelineDocument } from "../../src-shared/timeline.ts";
import { formatDate, groundDate, type DatedItem } from "./dates.ts";
import { indexLetter } from "./letterIndex.ts";
import { groundValue, type GroundingOptions } from "./text.ts";

export { indexLetter, type LetterIndex } from "./letterIndex.ts";
export { groundDate, YEAR_ONLY_SCORE } from "./dates.ts";
export { DEFAULT_FUZZY_THRESHOLD, groundValue, MIN_FUZZY_LENGTH, type GroundingOptions } from "./text.ts";

type Groundable = { path: string; value: string };

/** Every free-text value of the document (enum `type` fields are labels, not evidence). */
export function textValues(document: TimelineDocument): Groundable[] {
  const found: Groundable[] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (typeof node === "string") {
      if (path.at(-1) !== "type") found.push({ path: formatPath(path), value: node });
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, [...path, i]));
    } else if (node !== null && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) walk(value, [...path, key]);
    }
  };
  walk(document, []);
  return found;
}

/**
 * Every dated item (the primary cancer, its timeline events, other cancers) as one value at
 * `<item>.date`, "2019" or "2019-03"; `anchors` are the item's own text paths, whose span tells
 * which of several matching dates in the letter belongs to it. A month without a year is skipped.
 */
export function dateValues(document: TimelineDocument): (Groundable & { date: DatedItem; anchors: string[] })[] {
  type Item = { year?: number | undefined; month?: number | undefined };
  const items: [string, Item][] = [
    ["primary_cancer", document.primary_cancer],
    ...document.primary_cancer.cancer_timeline.map((event, i): [string, Item] => [`primary_cancer.cancer_timeline[${i}]`, event]),
    ...document.other_cancers.map((cancer, i): [string, Item] => [`other_cancers[${i}]`, cancer]),
  ];
  return items.flatMap(([prefix, { year, month, ...fields }]) =>
    year === undefined
      ? []
      : [
          {
            path: `${prefix}.date`,
            value: formatDate({ year, month }),
            date: { year, month },
            anchors: Object.entries(fields)
              .filter(([key, value]) => typeof value === "string" && key !== "type")
              .map(([key]) => `${prefix}.${key}`),
          },
        ],
  );
}

/** Every path `groundDocument` returns evidence for, in its order: text values, then dates. */
export function groundableValues(document: TimelineDocument): Groundable[] {
  return [...textValues(document), ...dateValues(document)].map(({ path, value }) => ({ path, value }));
}

export function groundDocument(letterText: string, document: TimelineDocument, options: GroundingOptions = {}): GroundedValue[] {
  const index = indexLetter(letterText);
  const text = textValues(document).map(({ path, value }) => ({ path, value, ...groundValue(index, value, options) }));
  const spans = new Map(text.map((item) => [item.path, item.span]));
  const dates = dateValues(document).map(({ path, value, date, anchors }) => {
    const near = anchors.map((anchor) => spans.get(anchor)).find((span) => span) ?? null;
    return { path, value, ...groundDate(index, date, near) };
  });
  return [...text, ...dates];
}
