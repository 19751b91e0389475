import { useEffect, useState } from "react";
import type { GoldSetPredictions, GoldSetSummary } from "../../src-shared/api.ts";
import { call, errorMessage } from "../api.ts";
import { useModels } from "../state/models.ts";

/**
 * A registered model run over a timeline gold set from the screen: its letters imported into the
 * store and an extraction job started (as on the Extraction screen, it extracts every letter not
 * yet extracted with that model), then, once the job has finished, the model's extractions of
 * the set's letters written out and put in the Model A field to score.
 */
export function GoldSetRun({ set, onPredictions }: { set: GoldSetSummary; onPredictions: (path: string, model: string) => void }): React.JSX.Element {
  const models = useModels((state) => state.models);
  const [modelId, setModelId] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void useModels.getState().load();
  }, []);

  async function act(work: () => Promise<string>) {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      setMessage(await work());
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  const extract = () =>
    act(async () => {
      const imported = await call("letters.import", { paths: [set.lettersDir] });
      const job = await call("jobs.startExtraction", { modelId: Number(modelId), retryFailed: false });
      return `${imported.imported} letter(s) imported (${imported.duplicates} already there). Extraction job ${job.id} started: follow it on the Extraction screen, then use this model's extractions.`;
    });
  const use = () =>
    act(async () => {
      const written: GoldSetPredictions = await call("goldSets.predictions", { name: set.name, modelId: Number(modelId) });
      onPredictions(written.predPath, written.model);
      const missing = written.notImported.length + written.notExtracted.length;
      return `${written.written + written.failed} of ${set.items} letters' extractions written (${written.failed} failed)${missing > 0 ? `; ${missing} not extracted yet` : ""}. They are in Model A's field: score them.`;
    });

  return (
    <div className="form-grid" role="group" aria-label="Run a model over this set">
      <label>
        Model to run over {set.name}
        <select value={modelId} onChange={(event) => setModelId(event.target.value)}>
          <option value="">Choose…</option>
          {models.map((model) => (
            <option key={model.id} value={String(model.id)}>
              {model.name}
            </option>
          ))}
        </select>
      </label>
      <div className="actions">
        <button type="button" disabled={busy || !modelId || set.withLetter < set.items} onClick={() => void extract()}>
          Import its letters and extract
        </button>
        <button type="button" disabled={busy || !modelId} onClick={() => void use()}>
          Use this model's extractions
        </button>
      </div>
      <div aria-live="polite" className="wide">
        {message && <p data-testid="gold-set-run-message">{message}</p>}
        {error && <p className="error">{error}</p>}
      </div>
    </div>
  );
}
