"""Independent reference for the QA scores: scikit-learn, in a Python resampling loop.

Used by test/integration/eval-sklearn.test.ts (the same resamples as ours, from a counts file, to
compare intervals to 1e-9) and by `npm run bench:eval` (numpy draws its own resamples; the loop
is timed). Answers are normalised from the written rule (docs/domain.md §6), not from our code;
scores come from sklearn: accuracy_score, balanced_accuracy_score, f1_score(labels=<gold
classes>, average=macro|micro). A resample weights each item by how often its note was drawn
(sample_weight), which scores exactly as repeating it. Prints one JSON object (with --counts,
also each resample's figures, `<metric>_draws`, for checking a paired comparison).

usage: qa_sklearn.py GOLD PRED (--counts FILE | --draw RESAMPLES SEED)
"""
import json
import sys
import time

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

KINDS = {"boolean": "boolean", "yes_no": "boolean", "numeric": "numeric", "na-boolean": "na-boolean",
         "not_answerable_yes_no": "na-boolean", "na-numeric": "na-numeric", "not_answerable_numeric": "na-numeric"}
METRICS = ("accuracy", "balanced_accuracy", "macro_f1", "micro_f1")


def label(value):
    if value is None:
        return "na"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return "num:" + repr(float(value))
    if not isinstance(value, str):
        return "INVALID"
    text = value.strip().lower()
    if text.endswith("."):
        text = text[:-1]
    if text in ("", "na", "n/a", "none"):
        return "na"
    if text in ("yes", "no"):
        return text
    try:
        number = float(text)
    except ValueError:
        return "INVALID"
    return "num:" + repr(number) if np.isfinite(number) else "INVALID"


def lines(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def scores(gold, pred, weight=None):
    present = gold if weight is None else gold[weight > 0]
    labels = np.unique(present)
    return {
        "accuracy": accuracy_score(gold, pred, sample_weight=weight),
        "balanced_accuracy": balanced_accuracy_score(gold, pred, sample_weight=weight),
        "macro_f1": f1_score(gold, pred, labels=labels, average="macro", zero_division=0, sample_weight=weight),
        "micro_f1": f1_score(gold, pred, labels=labels, average="micro", zero_division=0, sample_weight=weight),
    }


def main():
    gold_path, pred_path, mode = sys.argv[1:4]
    gold_lines = lines(gold_path)
    predictions = {str(line["id"]): label(line.get("answer")) for line in lines(pred_path)}
    names = {}
    code = lambda text: names.setdefault(text, len(names))  # noqa: E731 (integer classes: what sklearn is fastest with)
    invalid = code("INVALID")
    kinds = np.array([KINDS[g["kind"]] for g in gold_lines])
    gold = np.array([code(label(g["answer"])) for g in gold_lines])
    pred = np.array([code(predictions.get(str(g["id"]), "INVALID")) for g in gold_lines])
    note_names = list(dict.fromkeys(str(g["note_id"]) for g in gold_lines))
    note_index = {name: index for index, name in enumerate(note_names)}
    note_of = np.array([note_index[str(g["note_id"])] for g in gold_lines])
    groups = {kind: np.flatnonzero(kinds == kind) for kind in dict.fromkeys(kinds.tolist())}
    groups["overall"] = np.arange(len(gold))

    if mode == "--counts":
        with open(sys.argv[4], encoding="utf-8") as handle:
            resamples = np.array(json.load(handle))
    else:
        count, seed = int(sys.argv[4]), int(sys.argv[5])
        rng = np.random.default_rng(seed)
        resamples = np.array([np.bincount(rng.integers(0, len(note_names), len(note_names)), minlength=len(note_names)) for _ in range(count)])

    started = time.perf_counter()
    out = {}
    for name, chosen in groups.items():
        point = {"n": int(len(chosen)), "invalid_predictions": int(np.sum(pred[chosen] == invalid)), **scores(gold[chosen], pred[chosen])}
        draws = {metric: [] for metric in METRICS}
        for counts in resamples:
            weight = counts[note_of[chosen]]
            if weight.sum() == 0:
                continue
            drawn = scores(gold[chosen], pred[chosen], weight)
            for metric in METRICS:
                draws[metric].append(drawn[metric])
        for metric, values in draws.items():
            low, high = np.percentile(values, [2.5, 97.5])
            point[metric + "_ci"] = [float(low), float(high)]
            if mode == "--counts":
                point[metric + "_draws"] = [float(value) for value in values]
        out[name] = point
    out["seconds"] = time.perf_counter() - started
    print(json.dumps(out))


main()
