/**
 * A known alteration of gold timelines, and the strict scores it implies, counted from the gold
 * files themselves (not by the scorer): every third timeline event of a letter dropped (every
 * `dropEvery`-th: 2 alters more, a number above any letter's events drops none), and the site
 * changed in every letter. A letter predicted as nothing (no file, or not JSON) misses every gold
 * value.
 */
type Gold = { primary_cancer: Record<string, unknown> & { cancer_timeline: unknown[] }; other_cancers: unknown[]; patient_facts: unknown[]; status_updates: unknown[] };
export type Counts = { tp: number; fp: number; fn: number };

export function alterGold(goldText: string, dropEvery = 3): string {
  const gold = JSON.parse(goldText) as Gold;
  const kept = gold.primary_cancer.cancer_timeline.filter((_, index) => index % dropEvery !== dropEvery - 1);
  return JSON.stringify({ ...gold, primary_cancer: { ...gold.primary_cancer, site: "Altered site", cancer_timeline: kept } });
}

/** The strict counts overall, for the timeline section and for the primary cancer's scalars, when `nothing` letters are predicted as nothing and the rest altered. */
export function expectedAfterAlteration(golds: readonly { name: string; text: string }[], nothing: ReadonlySet<string>, dropEvery = 3): { overall: Counts; timeline: Counts; scalars: Counts } {
  const overall = { tp: 0, fp: 0, fn: 0 };
  const timeline = { tp: 0, fp: 0, fn: 0 };
  const scalars = { tp: 0, fp: 0, fn: 0 };
  for (const { name, text } of golds) {
    const gold = JSON.parse(text) as Gold;
    const scalarCount = Object.entries(gold.primary_cancer).filter(([key, value]) => key !== "cancer_timeline" && value !== undefined && value !== null && value !== "").length;
    const events = gold.primary_cancer.cancer_timeline.length;
    const items = events + gold.other_cancers.length + gold.patient_facts.length + gold.status_updates.length;
    if (nothing.has(name)) {
      overall.fn += scalarCount + items;
      timeline.fn += events;
      scalars.fn += scalarCount;
      continue;
    }
    const dropped = gold.primary_cancer.cancer_timeline.filter((_, index) => index % dropEvery === dropEvery - 1).length;
    // The changed site: one false positive and one false negative instead of a true positive.
    overall.tp += scalarCount - 1 + items - dropped;
    overall.fp += 1;
    overall.fn += 1 + dropped;
    timeline.tp += events - dropped;
    timeline.fn += dropped;
    scalars.tp += scalarCount - 1;
    scalars.fp += 1;
    scalars.fn += 1;
  }
  return { overall, timeline, scalars };
}

export function f1({ tp, fp, fn }: Counts): number {
  return (2 * tp) / (2 * tp + fp + fn);
}
