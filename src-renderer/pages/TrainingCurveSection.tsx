import { useEffect, useState, type FormEvent } from "react";
import type { TrainingCurve } from "../../src-shared/api.ts";
import { call, errorMessage } from "../api.ts";
import { useModels } from "../state/models.ts";

type Run = { predPath: string; modelId: string };

const figure = (value: number | null): string => (value === null ? "—" : value.toFixed(3));

/**
 * The Evaluation screen's curve over training-set size: a registered model for each prediction
 * set, scored against the screen's gold set. Drawn once two runs or more are picked; the runs
 * left off (another base, no training set in the lineage) are listed with why.
 */
export function TrainingCurveSection({ gold, resamples }: { gold: string; resamples: number }): React.JSX.Element {
  const models = useModels((state) => state.models);
  const [runs, setRuns] = useState<Run[]>([
    { predPath: "", modelId: "" },
    { predPath: "", modelId: "" },
  ]);
  const [drawing, setDrawing] = useState(false);
  const [curve, setCurve] = useState<TrainingCurve | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void useModels.getState().load();
  }, []);
  const picked = runs.filter((run) => run.predPath.trim() !== "" && run.modelId !== "");
  const update = (index: number, change: Partial<Run>) => setRuns(runs.map((run, i) => (i === index ? { ...run, ...change } : run)));

  async function draw(event: FormEvent) {
    event.preventDefault();
    setDrawing(true);
    setError(null);
    try {
      setCurve(await call("eval.trainingCurve", { goldPath: gold, runs: picked.map((run) => ({ predPath: run.predPath, modelId: Number(run.modelId) })), resamples }));
    } catch (e) {
      setCurve(null);
      setError(errorMessage(e));
    } finally {
      setDrawing(false);
    }
  }

  return (
    <section className="card" aria-label="Metric over training-set size">
      <h2>Metric over training-set size</h2>
      <p className="muted">Fine-tunes of one base, each at the rows of the training set its lineage names (the base itself at 0), against the gold set above.</p>
      <form className="form-grid" aria-label="Training curve" onSubmit={(event) => void draw(event)}>
        {runs.map((run, index) => (
          <div key={index} className="form-grid wide">
            <label>
              {`Run ${index + 1} predictions`}
              <input value={run.predPath} onChange={(event) => update(index, { predPath: event.target.value })} />
            </label>
            <label>
              {`Run ${index + 1} model`}
              <select value={run.modelId} onChange={(event) => update(index, { modelId: event.target.value })}>
                <option value="">(choose a registered model)</option>
                {models.map((model) => (
                  <option key={model.id} value={String(model.id)}>
                    {model.name}
                    {model.lineage?.dataset ? ` (${model.lineage.dataset.files["train.jsonl"]?.rows ?? "?"} rows)` : ""}
                  </option>
                ))}
              </select>
            </label>
          </div>
        ))}
        <div className="actions wide">
          <button type="button" onClick={() => setRuns([...runs, { predPath: "", modelId: "" }])}>
            Add a run
          </button>
          <button type="submit" className="primary" disabled={drawing || !gold || picked.length < 2}>
            {drawing ? "Scoring…" : "Draw the curve"}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {error && <p className="error">{error}</p>}
        {curve && (
          <div data-testid="training-curve">
            <figure aria-label={curve.chart.title} className="chart" dangerouslySetInnerHTML={{ __html: curve.chart.svg }} />
            <table className="table compact" aria-label="Curve points">
              <thead>
                <tr>
                  <th scope="col">model</th>
                  <th scope="col">training rows</th>
                  <th scope="col">metric</th>
                  <th scope="col">value [95% CI]</th>
                </tr>
              </thead>
              <tbody>
                {curve.points.map((point) => (
                  <tr key={`${point.model} ${point.metric}`}>
                    <th scope="row">{point.model}</th>
                    <td>{point.training_rows}</td>
                    <td>{point.metric}</td>
                    <td>{figure(point.value) + (point.ci ? ` [${point.ci[0].toFixed(3)}, ${point.ci[1].toFixed(3)}]` : "")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {curve.refused.length > 0 && (
              <ul aria-label="Left off the curve">
                {curve.refused.map((run, index) => (
                  <li key={index} className="error">
                    {run.reason}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
