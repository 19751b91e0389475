import { useEffect, useState, type FormEvent } from "react";
import type { GoldSetSummary } from "../../src-shared/api.ts";
import { call, errorMessage } from "../api.ts";
import { GoldSetRun } from "./GoldSetRun.tsx";

type Source = "synthetic" | "synthetic-qa" | "reviewed" | "dataset" | "files";
const SOURCES: [Source, string][] = [
  ["synthetic", "The studio's letters with their gold"],
  ["synthetic-qa", "The studio's question/answer pairs"],
  ["reviewed", "Reviewed letters (the corrected timelines)"],
  ["dataset", "A training set's test split"],
  ["files", "Files: the path given below, with a letters folder"],
];

/**
 * The stored gold sets, to score against by name: picking one fills the gold path; a set whose
 * letters are also training rows is named as leaked, since its scores flatter a model trained on
 * them. Below, a new set from the studio, reviewed letters, a training set or the files given.
 */
export function GoldSetPicker({ goldPath, onPick, onPredictions }: { goldPath: string; onPick: (path: string) => void; onPredictions: (path: string, model: string) => void }): React.JSX.Element {
  const [sets, setSets] = useState<GoldSetSummary[]>([]);
  const [name, setName] = useState("");
  const [source, setSource] = useState<Source>("synthetic");
  const [dataset, setDataset] = useState("");
  const [letters, setLetters] = useState("");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call("goldSets.list", {}).then(setSets, (e: unknown) => setError(errorMessage(e)));
  }, []);
  const picked = sets.find((set) => set.goldPath === goldPath) ?? null;

  async function save(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const from =
        source === "dataset" ? { from: source, dataset } : source === "files" ? { from: source, gold: goldPath, ...(letters.trim() ? { letters } : {}) } : source === "reviewed" ? { from: source } : { from: source, includeFlagged: false };
      const made = await call("goldSets.create", { name, source: from });
      setSets([...sets, made]);
      onPick(made.goldPath);
      setName("");
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  }

  return (
    <section className="card" aria-label="Gold sets">
      <label>
        Stored gold set
        <select value={picked?.goldPath ?? ""} onChange={(event) => onPick(event.target.value)}>
          <option value="">{sets.length === 0 ? "None stored yet" : "Choose…"}</option>
          {sets.map((set) => (
            <option key={set.id} value={set.goldPath}>
              {`${set.name} (${set.items} ${set.kind} item${set.items === 1 ? "" : "s"}${set.leaked > 0 ? `, ${set.leaked} leaked` : ""})`}
            </option>
          ))}
        </select>
      </label>
      {picked && (
        <p data-testid="gold-set-origin">
          From {picked.origin}.{" "}
          {picked.leaked > 0 && (
            <strong className="error" role="alert">
              {picked.leaked} of its {picked.items} letters are rows of a training set: a model trained on that set has seen them, so its scores here are inflated.
            </strong>
          )}
        </p>
      )}
      {picked?.kind === "timeline" && <GoldSetRun set={picked} onPredictions={onPredictions} />}
      <form className="form-grid" aria-label="New gold set" onSubmit={(event) => void save(event)}>
        <label>
          New gold set name
          <input value={name} onChange={(event) => setName(event.target.value)} required maxLength={80} pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" />
        </label>
        <label>
          From
          <select value={source} onChange={(event) => setSource(event.target.value as Source)}>
            {SOURCES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {source === "dataset" && (
          <label>
            Training set
            <input value={dataset} onChange={(event) => setDataset(event.target.value)} required />
          </label>
        )}
        {source === "files" && (
          <label>
            Letters folder (X.txt beside each gold X)
            <input value={letters} onChange={(event) => setLetters(event.target.value)} />
          </label>
        )}
        <div className="actions">
          <button type="submit" disabled={saving || !name || (source === "files" && !goldPath)}>
            {saving ? "Saving…" : "Save gold set"}
          </button>
        </div>
      </form>
      {error && <p className="error">{error}</p>}
    </section>
  );
}
