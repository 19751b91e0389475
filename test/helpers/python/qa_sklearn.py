"""Independent reference for the QA scores (test/integration/eval-sklearn.test.ts).

Reads the gold and prediction JSON Lines and the bootstrap's resample counts, normalises answers
from the written rule (not from our code), and scores with scikit-learn: accuracy_score,
balanced_accuracy_score, f1_score(labels=<gold classes>, average=macro|micro), intervals with
numpy's percentile. Prints one JSON object.
"""
import json
import sys

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

KINDS = {"boolean": "boolean", "yes_no": "boolean", "numeric": "numeric", "na-boolean": "na-boolean",
         "not_answerable_yes_no": "na-boolean", "na-numeric": "na-numeric", "not_answerable_numeric": "na-numeric"}


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
        return "num:" + repr(float(text))
    except ValueError:
        return "INVALID"


def lines(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def scores(gold, pred):
    labels = sorted(set(gold))
    return {
        "n": len(gold),
        "accuracy": accuracy_score(gold, pred),
        "balanced_accuracy": balanced_accuracy_score(gold, pred),
        "macro_f1": f1_score(gold, pred, labels=labels, average="macro", zero_division=0),
        "micro_f1": f1_score(gold, pred, labels=labels, average="micro", zero_division=0),
        "invalid_predictions": sum(1 for p in pred if p == "INVALID"),
    }


def main():
    gold_path, pred_path, counts_path = sys.argv[1:4]
    gold = lines(gold_path)
    predictions = {str(line["id"]): label(line.get("answer")) for line in lines(pred_path)}
    items = [(KINDS[g["kind"]], str(g["note_id"]), label(g["answer"]), predictions.get(str(g["id"]), "INVALID")) for g in gold]
    notes = list(dict.fromkeys(note for _, note, _, _ in items))
    members = {note: [i for i, item in enumerate(items) if item[1] == note] for note in notes}
    with open(counts_path, encoding="utf-8") as handle:
        resamples = json.load(handle)
    groups = {kind: [i for i, item in enumerate(items) if item[0] == kind] for kind in dict.fromkeys(k for k, _, _, _ in items)}
    groups["overall"] = list(range(len(items)))
    out = {}
    for name, chosen in groups.items():
        chosen_set = set(chosen)
        point = scores([items[i][2] for i in chosen], [items[i][3] for i in chosen])
        draws = {metric: [] for metric in ("accuracy", "balanced_accuracy", "macro_f1", "micro_f1")}
        for counts in resamples:
            picked = [i for note, times in zip(notes, counts) for _ in range(times) for i in members[note] if i in chosen_set]
            if not picked:
                continue
            drawn = scores([items[i][2] for i in picked], [items[i][3] for i in picked])
            for metric in draws:
                draws[metric].append(drawn[metric])
        for metric, values in draws.items():
            low, high = np.percentile(values, [2.5, 97.5])
            point[metric + "_ci"] = [float(low), float(high)]
        out[name] = point
    print(json.dumps(out))


main()
