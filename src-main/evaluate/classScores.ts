/**
 * Classification scores over labels numbered 0..L-1, with -1 for an invalid prediction (never
 * correct, never a class). Defined as scikit-learn defines them, so a paper's numbers can be
 * checked against it (test/integration/eval-sklearn.test.ts does, to 1e-9):
 *
 * - accuracy: correct / n (an invalid answer is wrong);
 * - balanced accuracy: the mean recall over the classes present in the gold
 *   (`balanced_accuracy_score`);
 * - macro-F1 and micro-F1 over the gold's classes (`f1_score(labels=<gold classes>)`): per
 *   class F1 = 2tp / (2tp + fp + fn), a prediction of a class outside the gold counting only as
 *   the gold class's false negative; micro pools tp, fp and fn over those classes.
 *
 * A Tally is filled item by item (with a weight, so a bootstrap resample adds a note's items as
 * many times as it was drawn) and read as often as needed.
 */
export type ClassScores = { n: number; accuracy: number; balancedAccuracy: number; macroF1: number; microF1: number; invalid: number };

export class Tally {
  private readonly support: Float64Array;
  private readonly truePositives: Float64Array;
  private readonly falsePositives: Float64Array;
  private n = 0;
  private correct = 0;
  private invalid = 0;

  constructor(labels: number) {
    this.support = new Float64Array(labels);
    this.truePositives = new Float64Array(labels);
    this.falsePositives = new Float64Array(labels);
  }

  add(gold: number, predicted: number, times = 1): void {
    this.n += times;
    this.support[gold] = (this.support[gold] ?? 0) + times;
    if (predicted === gold) {
      this.correct += times;
      this.truePositives[gold] = (this.truePositives[gold] ?? 0) + times;
    } else if (predicted < 0) {
      this.invalid += times;
    } else {
      this.falsePositives[predicted] = (this.falsePositives[predicted] ?? 0) + times;
    }
  }

  /** One class's true positives, false positives and false negatives (an invalid prediction is a false negative only). */
  classCounts(label: number): { tp: number; fp: number; fn: number } {
    const tp = this.truePositives[label] ?? 0;
    return { tp, fp: this.falsePositives[label] ?? 0, fn: (this.support[label] ?? 0) - tp };
  }

  reset(): void {
    this.support.fill(0);
    this.truePositives.fill(0);
    this.falsePositives.fill(0);
    this.n = this.correct = this.invalid = 0;
  }

  scores(): ClassScores {
    let classes = 0;
    let recallSum = 0;
    let f1Sum = 0;
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let label = 0; label < this.support.length; label++) {
      const support = this.support[label] as number;
      if (support === 0) continue;
      const classTp = this.truePositives[label] as number;
      const classFp = this.falsePositives[label] as number;
      const classFn = support - classTp;
      classes++;
      recallSum += classTp / support;
      f1Sum += (2 * classTp) / (2 * classTp + classFp + classFn);
      tp += classTp;
      fp += classFp;
      fn += classFn;
    }
    return {
      n: this.n,
      accuracy: this.n === 0 ? Number.NaN : this.correct / this.n,
      balancedAccuracy: classes === 0 ? Number.NaN : recallSum / classes,
      macroF1: classes === 0 ? Number.NaN : f1Sum / classes,
      microF1: tp + fp + fn === 0 ? Number.NaN : (2 * tp) / (2 * tp + fp + fn),
      invalid: this.invalid,
    };
  }
}
