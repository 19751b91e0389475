/**
 * Builds a generation grid of N rows from editable distributions (weights per value), with a
 * seeded PRNG, so the same (n, distributions, seed) always gives the same grid.
 *
 * Balance: each top-level field (site, trajectory, treatment complexity, data-quality issue,
 * letter type, structural style, language style) is filled by quota, not by independent draws:
 * its N values are apportioned to the weights (largest remainder) and then shuffled, so with equal
 * weights every letter type and style appears equally often (within one). The fields are shuffled
 * independently, so combinations vary. Morphology, stage (with its metastases) and biomarkers are
 * drawn per row from the chosen site's profile, so they stay plausible for the site.
 */
import { seededRandom } from "../base/seededRandom.ts";
import { BLOCKS, LANGUAGE_STYLES, LETTER_TYPES, STRUCTURAL_STYLES, TRAJECTORIES, TREATMENT_COMPLEXITIES, validateGridRow, type GridRow } from "./grid.ts";

/** Value → relative weight (any non-negative numbers; zero excludes a value). */
export type Weights = Record<string, number>;

/** A stage for a site, with the metastatic extents that fit it. */
export type StageProfile = { stage: string; weight: number; metastases: Weights };

export type SiteProfile = {
  weight: number;
  morphology: Weights;
  stages: StageProfile[];
  biomarkers: Weights;
  /**
   * Per-morphology overrides, keyed by a morphology of this site: its own stages and/or
   * biomarkers where the site's defaults would not fit it (small cell lung cancer is not staged
   * or tested like adenocarcinoma; Hodgkin lymphoma has other markers than DLBCL).
   */
  variants?: Record<string, { stages?: StageProfile[]; biomarkers?: Weights }>;
};

export type GridDistributions = {
  /** Keyed by topography as it is written in the row. */
  sites: Record<string, SiteProfile>;
  trajectory: Weights;
  treatment_complexity: Weights;
  /** Key "none" stands for no data-quality issue (null). */
  data_quality_issue: Weights;
  letter_type: Weights;
  structural_style: Weights;
  language_style: Weights;
  /** Each row leaves out blocks with this probability: 1 to `max` of them, drawn by weight. */
  omit_blocks: { probability: number; max: number; weights: Weights };
};

export const NO_ISSUE = "none";

const equal = (values: readonly string[]): Weights => Object.fromEntries(values.map((value) => [value, 1]));

const EARLY = { none: 1 };
const NODAL = { "regional lymph nodes only": 1 };

/** Twelve common cancers with plausible morphology, stage and biomarkers per site. */
export const DEFAULT_SITES: Record<string, SiteProfile> = {
  breast: {
    weight: 1,
    morphology: { "invasive ductal carcinoma (NST), grade 2": 3, "invasive ductal carcinoma (NST), grade 3": 3, "invasive lobular carcinoma, grade 2": 2, "ductal carcinoma in situ with microinvasion": 0.5 },
    stages: [
      { stage: "T1c N0 M0 (stage IA)", weight: 2, metastases: EARLY },
      { stage: "T2 N1 M0 (stage IIB)", weight: 2, metastases: { "ipsilateral axillary nodes": 1 } },
      { stage: "T3 N2 M0 (stage IIIA)", weight: 1, metastases: { "axillary and internal mammary nodes": 1 } },
      { stage: "T2 N1 M1 (stage IV)", weight: 1.5, metastases: { "bone only": 2, "liver and bone": 1, "lung and pleura": 1, "brain": 0.5 } },
    ],
    biomarkers: { "ER 8/8, PR 7/8, HER2 negative (IHC 1+)": 3, "ER 8/8, PR 0/8, HER2 positive (IHC 3+)": 1.5, "ER 0, PR 0, HER2 0 (triple negative), germline BRCA1 pathogenic variant": 0.7, "ER 0, PR 0, HER2 negative, PD-L1 CPS 12": 0.8, "ER 6/8, HER2 low (IHC 2+, ISH not amplified), PIK3CA H1047R": 1 },
  },
  lung: {
    weight: 1,
    morphology: { "adenocarcinoma, acinar predominant": 3, "squamous cell carcinoma": 2, "small cell carcinoma": 1, "large cell neuroendocrine carcinoma": 0.3 },
    stages: [
      { stage: "T1b N0 M0 (stage IA2)", weight: 1, metastases: EARLY },
      { stage: "T3 N2 M0 (stage IIIB)", weight: 1.5, metastases: { "mediastinal lymph nodes": 1 } },
      { stage: "T2a N2 M1c (stage IVB)", weight: 2, metastases: { "brain and bone": 1, "liver and adrenal": 1, "bone, contralateral lung and pleural effusion": 1 } },
    ],
    biomarkers: { "EGFR exon 19 deletion, PD-L1 TPS 10%": 1.5, "EGFR L858R, PD-L1 <1%": 1, "ALK rearrangement, PD-L1 5%": 0.7, "KRAS G12C, PD-L1 TPS 60%": 1, "no actionable mutation, PD-L1 TPS 80%": 1.5, "ROS1 fusion": 0.3, "PD-L1 TPS 0%, no driver mutation": 1 },
    variants: {
      "squamous cell carcinoma": { biomarkers: { "PD-L1 TPS 70%": 1, "PD-L1 TPS 20%": 1, "PD-L1 TPS <1%": 1 } },
      "small cell carcinoma": {
        stages: [
          { stage: "limited stage (T2b N2 M0)", weight: 1, metastases: { "ipsilateral mediastinal lymph nodes": 1 } },
          { stage: "extensive stage", weight: 2, metastases: { "liver, bone and mediastinal nodes": 1, "brain and adrenal": 0.5 } },
        ],
        biomarkers: { "not tested (small cell)": 1, "synaptophysin and chromogranin positive, Ki-67 90%": 1 },
      },
      "large cell neuroendocrine carcinoma": { biomarkers: { "synaptophysin positive, PD-L1 TPS 5%": 1 } },
    },
  },
  colorectal: {
    weight: 1,
    morphology: { "adenocarcinoma, moderately differentiated": 4, "mucinous adenocarcinoma": 1, "adenocarcinoma, poorly differentiated": 1 },
    stages: [
      { stage: "pT3 N0 M0 (stage IIA)", weight: 1.5, metastases: EARLY },
      { stage: "pT3 N1b M0 (stage IIIB)", weight: 2, metastases: NODAL },
      { stage: "T4a N2 M1a (stage IVA)", weight: 1.5, metastases: { "liver only (3 lesions)": 2, "lung only": 1 } },
      { stage: "T3 N1 M1c (stage IVC)", weight: 1, metastases: { "peritoneum and liver": 1 } },
    ],
    biomarkers: { "pMMR/MSS, KRAS G12D mutant": 2, "pMMR, RAS and BRAF wild type": 2, "dMMR/MSI-high (MLH1 and PMS2 loss)": 1, "BRAF V600E mutant, MSS": 0.7, "HER2 amplified, RAS wild type": 0.3 },
  },
  prostate: {
    weight: 1,
    morphology: { "acinar adenocarcinoma, Gleason 3+4=7 (Grade Group 2)": 2, "acinar adenocarcinoma, Gleason 4+3=7 (Grade Group 3)": 2, "acinar adenocarcinoma, Gleason 4+5=9 (Grade Group 5)": 2 },
    stages: [
      { stage: "T2c N0 M0", weight: 2, metastases: EARLY },
      { stage: "T3b N1 M0", weight: 1, metastases: { "pelvic lymph nodes": 1 } },
      { stage: "T3a N1 M1b", weight: 2, metastases: { "bone (high volume)": 1, "bone (low volume)": 1, "bone and retroperitoneal nodes": 1 } },
    ],
    biomarkers: { "PSA 12.4 ng/mL at diagnosis": 2, "PSA 186 ng/mL at diagnosis": 1.5, "PSA 45 ng/mL, germline BRCA2 pathogenic variant": 0.7, "PSA 8.1 ng/mL, PSMA PET avid": 1 },
  },
  melanoma: {
    weight: 1,
    morphology: { "superficial spreading melanoma, Breslow 2.1 mm, ulcerated": 2, "nodular melanoma, Breslow 4.5 mm": 1.5, "acral lentiginous melanoma": 0.5, "mucosal melanoma": 0.3 },
    stages: [
      { stage: "pT2b N0 M0 (stage IIA)", weight: 1, metastases: EARLY },
      { stage: "pT3b N1a M0 (stage IIIC)", weight: 2, metastases: { "sentinel lymph node": 1 } },
      { stage: "stage IV (M1c)", weight: 1.5, metastases: { "lung, liver and subcutaneous": 1, "brain and lung": 0.7 } },
    ],
    biomarkers: { "BRAF V600E mutant": 2, "BRAF wild type, NRAS Q61R mutant": 1, "BRAF V600K mutant, LDH raised": 0.7, "BRAF wild type": 1.5 },
  },
  lymphoma: {
    weight: 1,
    morphology: { "diffuse large B-cell lymphoma, GCB type": 2, "diffuse large B-cell lymphoma, non-GCB type": 1, "classical Hodgkin lymphoma, nodular sclerosis": 1.5, "follicular lymphoma grade 1-2": 1.5 },
    stages: [
      { stage: "Ann Arbor stage IIA", weight: 1.5, metastases: { "cervical and mediastinal nodes (nodal disease)": 1 } },
      { stage: "Ann Arbor stage IIIB", weight: 1.5, metastases: { "nodal disease above and below the diaphragm": 1 } },
      { stage: "Ann Arbor stage IVB", weight: 1, metastases: { "bone marrow and liver involvement": 1, "extranodal lung involvement": 0.7 } },
    ],
    biomarkers: { "CD20 positive, Ki-67 80%, IPI 3": 2, "MYC rearranged, BCL2 rearranged (double hit)": 0.5 },
    variants: {
      "classical Hodgkin lymphoma, nodular sclerosis": { biomarkers: { "CD30 positive, CD15 positive, CD20 negative": 2, "CD30 positive, EBER positive": 1 } },
      "follicular lymphoma grade 1-2": { biomarkers: { "CD10 positive, BCL2 positive, Ki-67 15%, FLIPI 2": 1, "t(14;18) detected, FLIPI 3": 1 } },
    },
  },
  ovarian: {
    weight: 1,
    morphology: { "high-grade serous carcinoma": 4, "clear cell carcinoma": 1, "endometrioid carcinoma, grade 1": 0.7, "low-grade serous carcinoma": 0.5 },
    stages: [
      { stage: "FIGO IC1", weight: 0.7, metastases: EARLY },
      { stage: "FIGO IIIC", weight: 3, metastases: { "peritoneum and omentum": 2, "peritoneum, omentum and para-aortic nodes": 1 } },
      { stage: "FIGO IVB", weight: 1, metastases: { "pleural effusion, liver parenchyma and supraclavicular node": 1 } },
    ],
    biomarkers: { "germline BRCA1 pathogenic variant, CA-125 1450 U/mL": 1.5, "BRCA wild type, HRD positive (GIS 52)": 1, "BRCA wild type, HRD negative": 1, "somatic BRCA2 variant, CA-125 640 U/mL": 0.7 },
    variants: {
      "clear cell carcinoma": { biomarkers: { "ARID1A loss, CA-125 210 U/mL": 1, "napsin A positive, BRCA wild type": 1 } },
      "endometrioid carcinoma, grade 1": { biomarkers: { "ER positive, MMR proficient": 1, "MLH1 and PMS2 loss (dMMR)": 0.5 } },
      "low-grade serous carcinoma": { biomarkers: { "KRAS mutant, ER positive": 1, "BRAF V600E mutant": 0.5 } },
    },
  },
  "head and neck": {
    weight: 1,
    morphology: { "squamous cell carcinoma, moderately differentiated": 3, "squamous cell carcinoma, poorly differentiated": 1.5, "adenoid cystic carcinoma": 0.3 },
    stages: [
      { stage: "T2 N1 M0 (stage I, p16 positive, 8th edition)", weight: 2, metastases: { "ipsilateral cervical nodes": 1 } },
      { stage: "T4a N2c M0 (stage IVA)", weight: 1.5, metastases: { "bilateral cervical nodes": 1 } },
      { stage: "T3 N2b M1", weight: 0.7, metastases: { "lung": 1, "lung and bone": 0.5 } },
    ],
    biomarkers: { "p16 positive (HPV-associated)": 2, "p16 negative, PD-L1 CPS 25": 1.5, "p16 negative, PD-L1 CPS <1": 0.7 },
    variants: { "adenoid cystic carcinoma": { biomarkers: { "MYB-NFIB fusion": 1, "MYB overexpression, NOTCH1 mutation": 0.5 } } },
  },
  pancreas: {
    weight: 1,
    morphology: { "ductal adenocarcinoma, moderately differentiated": 4, "ductal adenocarcinoma, poorly differentiated": 2, "well-differentiated neuroendocrine tumour, grade 2": 0.5 },
    stages: [
      { stage: "T2 N0 M0 (resectable)", weight: 1, metastases: EARLY },
      { stage: "T4 N1 M0 (locally advanced)", weight: 1.5, metastases: { "peripancreatic lymph nodes": 1 } },
      { stage: "T3 N1 M1", weight: 2.5, metastases: { "liver": 2, "liver and peritoneum": 1, "lung": 0.5 } },
    ],
    biomarkers: { "KRAS G12D mutant, CA 19-9 2300 U/mL": 2, "KRAS G12V, CA 19-9 870 U/mL": 1.5, "germline BRCA2 pathogenic variant": 0.5, "KRAS wild type, NTRK fusion": 0.2, "CA 19-9 not secreted (Lewis antigen negative)": 0.3 },
    variants: { "well-differentiated neuroendocrine tumour, grade 2": { biomarkers: { "Ki-67 8%, somatostatin receptor positive on Ga-68 DOTATATE PET": 1, "Ki-67 12%, chromogranin A raised": 1 } } },
  },
  renal: {
    weight: 1,
    morphology: { "clear cell renal cell carcinoma, ISUP grade 3": 3, "clear cell renal cell carcinoma, ISUP grade 4 with sarcomatoid features": 1, "papillary renal cell carcinoma": 1, "chromophobe renal cell carcinoma": 0.5 },
    stages: [
      { stage: "pT1b N0 M0", weight: 1, metastases: EARLY },
      { stage: "pT3a N0 M0", weight: 1.5, metastases: EARLY },
      { stage: "T3a N1 M1", weight: 2, metastases: { "lung": 2, "lung and adrenal": 1, "bone": 1, "pancreas": 0.3 } },
    ],
    biomarkers: { "IMDC intermediate risk": 2, "IMDC poor risk": 1, "IMDC favourable risk": 1, "VHL mutation": 0.5, "PBRM1 loss": 0.3 },
  },
  bladder: {
    weight: 1,
    morphology: { "urothelial carcinoma, high grade": 4, "urothelial carcinoma with squamous differentiation": 1, "small cell carcinoma of the bladder": 0.3 },
    stages: [
      { stage: "pT1 G3 with CIS (non-muscle invasive)", weight: 1, metastases: EARLY },
      { stage: "T2 N0 M0 (muscle invasive)", weight: 2, metastases: EARLY },
      { stage: "T3b N2 M1a", weight: 1.5, metastases: { "retroperitoneal lymph nodes": 1, "lung and nodes": 1 } },
      { stage: "T4a N1 M1b", weight: 1, metastases: { "bone and liver": 1 } },
    ],
    biomarkers: { "PD-L1 CPS 15": 1.5, "FGFR3 S249C mutation": 1, "PD-L1 negative, FGFR wild type": 1, "Nectin-4 expression high": 0.3 },
  },
  "upper GI": {
    weight: 1,
    morphology: { "oesophageal adenocarcinoma, poorly differentiated": 2, "oesophageal squamous cell carcinoma": 1.5, "gastric adenocarcinoma, diffuse type (signet ring cells)": 1, "gastro-oesophageal junction adenocarcinoma (Siewert II)": 2 },
    stages: [
      { stage: "T3 N1 M0", weight: 2.5, metastases: { "perigastric lymph nodes": 1 } },
      { stage: "T2 N0 M0", weight: 1, metastases: EARLY },
      { stage: "T4a N2 M1", weight: 2, metastases: { "liver": 1, "peritoneum": 1, "distant lymph nodes (left supraclavicular)": 0.5 } },
    ],
    biomarkers: { "HER2 positive (IHC 3+), PD-L1 CPS 8": 1, "HER2 negative, PD-L1 CPS 5": 2, "HER2 negative, PD-L1 CPS <1, pMMR": 1, "MSI-high": 0.3, "Claudin 18.2 positive": 0.5 },
    variants: { "oesophageal squamous cell carcinoma": { biomarkers: { "PD-L1 CPS 10": 1, "PD-L1 TPS 1%": 1, "PD-L1 CPS <1": 0.5 } } },
  },
};

/** Data-quality issues to inject (docs/domain.md §3); "none" is the clean letter. */
export const DEFAULT_DATA_QUALITY_ISSUES: Weights = {
  [NO_ISSUE]: 6,
  "a biomarker name misspelt (e.g. 'HER-2 postive', 'EGRF', 'Ki67%')": 1,
  "dates missing for one or two treatments ('started chemotherapy', no date)": 1,
  "some dates only relative ('three weeks ago', 'last spring')": 0.7,
  "a drug name misspelt ('osimertinb', 'carboplatn')": 0.7,
  "heavy unexplained abbreviations": 0.7,
  "one paragraph pasted twice from an earlier letter": 0.4,
  "stage given inconsistently in two places": 0.4,
};

export const DEFAULT_DISTRIBUTIONS: GridDistributions = {
  sites: DEFAULT_SITES,
  trajectory: { stable: 1, improving: 1, deteriorating: 1 },
  treatment_complexity: { simple: 1, complex: 1 },
  data_quality_issue: DEFAULT_DATA_QUALITY_ISSUES,
  letter_type: equal(LETTER_TYPES),
  structural_style: equal(STRUCTURAL_STYLES),
  language_style: equal(LANGUAGE_STYLES),
  omit_blocks: {
    probability: 0.35,
    max: 2,
    weights: { "cancer-diagnosis": 0, treatment: 0.3, "disease-status": 0.3, "patient-status": 0.5, "medical-background": 1, "social-background": 1.5, "clinical-trial": 1, "care-plan": 0.2, administrative: 1.5 },
  },
};

function positiveEntries(weights: Weights, what: string): [string, number][] {
  const entries = Object.entries(weights).filter(([, w]) => {
    if (!Number.isFinite(w) || w < 0) throw new Error(`Distribution '${what}': weights must be non-negative numbers.`);
    return w > 0;
  });
  if (entries.length === 0) throw new Error(`Distribution '${what}' has no value with a positive weight.`);
  return entries;
}

/** One draw by weight. */
export function pick(weights: Weights, random: () => number, what = "weights"): string {
  const entries = positiveEntries(weights, what);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [value, w] of entries) {
    r -= w;
    if (r < 0) return value;
  }
  return (entries.at(-1) as [string, number])[0];
}

/** Fisher-Yates with the given PRNG. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * N values apportioned to the weights (largest remainder; ties broken by the order given), then
 * shuffled: equal weights give counts that differ by at most one.
 */
export function quota(weights: Weights, n: number, random: () => number, what = "weights"): string[] {
  const entries = positiveEntries(weights, what);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  const shares = entries.map(([value, w], order) => ({ value, exact: (w / total) * n, order }));
  const counts = new Map(shares.map((s) => [s.value, Math.floor(s.exact)]));
  let left = n - [...counts.values()].reduce((a, b) => a + b, 0);
  const byRemainder = [...shares].sort((a, b) => b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)) || a.order - b.order);
  for (const share of byRemainder) {
    if (left <= 0) break;
    counts.set(share.value, (counts.get(share.value) ?? 0) + 1);
    left--;
  }
  const out: string[] = [];
  for (const [value, count] of counts) for (let i = 0; i < count; i++) out.push(value);
  return shuffle(out, random);
}

function checkAllowed(weights: Weights, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(weights)) {
    if (!allowed.includes(key)) throw new Error(`Distribution '${what}': '${key}' is not one of ${allowed.join(", ")}.`);
  }
}

/** A balanced, reproducible grid of `n` rows. */
export function sampleGrid(n: number, distributions: GridDistributions = DEFAULT_DISTRIBUTIONS, seed: number | string = 1): GridRow[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sampleGrid: n must be a non-negative integer, got ${n}.`);
  checkAllowed(distributions.trajectory, TRAJECTORIES, "trajectory");
  checkAllowed(distributions.treatment_complexity, TREATMENT_COMPLEXITIES, "treatment_complexity");
  checkAllowed(distributions.letter_type, LETTER_TYPES, "letter_type");
  checkAllowed(distributions.structural_style, STRUCTURAL_STYLES, "structural_style");
  checkAllowed(distributions.language_style, LANGUAGE_STYLES, "language_style");
  checkAllowed(distributions.omit_blocks.weights, BLOCKS, "omit_blocks");
  const { probability, max } = distributions.omit_blocks;
  if (!(probability >= 0 && probability <= 1)) throw new Error("Distribution 'omit_blocks': probability must be between 0 and 1.");
  if (!Number.isInteger(max) || max < 0) throw new Error("Distribution 'omit_blocks': max must be a non-negative integer.");

  const random = seededRandom(seed);
  const siteWeights = Object.fromEntries(Object.entries(distributions.sites).map(([site, profile]) => [site, profile.weight]));
  const sites = quota(siteWeights, n, random, "sites");
  const trajectories = quota(distributions.trajectory, n, random, "trajectory");
  const complexities = quota(distributions.treatment_complexity, n, random, "treatment_complexity");
  const issues = quota(distributions.data_quality_issue, n, random, "data_quality_issue");
  const letterTypes = quota(distributions.letter_type, n, random, "letter_type");
  const structural = quota(distributions.structural_style, n, random, "structural_style");
  const language = quota(distributions.language_style, n, random, "language_style");

  for (const [site, profile] of Object.entries(distributions.sites)) {
    for (const morphology of Object.keys(profile.variants ?? {})) {
      if (!(morphology in profile.morphology)) throw new Error(`Distribution 'sites.${site}.variants': '${morphology}' is not one of the site's morphologies.`);
    }
  }

  const rows: GridRow[] = [];
  for (let i = 0; i < n; i++) {
    const topography = sites[i] as string;
    const profile = distributions.sites[topography] as SiteProfile;
    const morphology = pick(profile.morphology, random, `${topography}.morphology`);
    const variant = profile.variants?.[morphology];
    const stages = variant?.stages ?? profile.stages;
    const stageName = pick(Object.fromEntries(stages.map((s) => [s.stage, s.weight])), random, `${topography}.stages`);
    const stage = stages.find((s) => s.stage === stageName) as StageProfile;
    const omit: string[] = [];
    if (max > 0 && random() < probability) {
      const howMany = 1 + Math.floor(random() * max);
      const remaining = { ...distributions.omit_blocks.weights };
      for (let k = 0; k < howMany && Object.values(remaining).some((w) => w > 0); k++) {
        const block = pick(remaining, random, "omit_blocks");
        omit.push(block);
        remaining[block] = 0;
      }
      omit.sort((a, b) => (BLOCKS as readonly string[]).indexOf(a) - (BLOCKS as readonly string[]).indexOf(b));
    }
    const issue = issues[i] as string;
    const row: GridRow = {
      topography,
      morphology,
      stage: stage.stage,
      biomarkers: pick(variant?.biomarkers ?? profile.biomarkers, random, `${topography}.biomarkers`),
      metastases_extent: pick(stage.metastases, random, `${topography}.${stage.stage}.metastases`),
      trajectory: trajectories[i] as GridRow["trajectory"],
      treatment_complexity: complexities[i] as GridRow["treatment_complexity"],
      omit_blocks: omit,
      data_quality_issue: issue === NO_ISSUE ? null : issue,
      letter_type: letterTypes[i] as GridRow["letter_type"],
      structural_style: structural[i] as GridRow["structural_style"],
      language_style: language[i] as GridRow["language_style"],
    };
    rows.push(validateGridRow(row, `sampled row ${i + 1}`));
  }
  return rows;
}
