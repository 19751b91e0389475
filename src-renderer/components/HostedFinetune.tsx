import { useEffect, useState, type FormEvent } from "react";
import { formatUsd as usd } from "../../src-shared/formatUsd.ts";
import { RecipeSchema, SECRET_ENV, type HostedFinetuneStatus, type HostedProviderName } from "../../src-shared/api.ts";
import { useDatasets } from "../state/datasets.ts";
import { useHostedFinetune } from "../state/hostedFinetune.ts";
import { useModels } from "../state/models.ts";

const LABEL: Record<HostedProviderName, string> = { openpipe: "OpenPipe", together: "Together" };
const KEY = { openpipe: "openpipe-api-key", together: "together-api-key" } as const;
const DEFAULT_EPOCHS = RecipeSchema.parse({}).epochs;

/** The provider's key: stored here (encrypted by the operating system), from the environment, or not set; never its value. */
function ProviderKey({ provider }: { provider: HostedProviderName }) {
  const secrets = useHostedFinetune((state) => state.secrets);
  const [value, setValue] = useState("");
  const entry = secrets?.secrets.find((item) => item.name === KEY[provider]);
  const where = !entry ? "checking…" : entry.stored ? "stored in this app (encrypted by the operating system)" : entry.fromEnvironment ? `taken from the environment (${SECRET_ENV[KEY[provider]]})` : "not set";
  async function save(event: FormEvent) {
    event.preventDefault();
    if (await useHostedFinetune.getState().saveKey(KEY[provider], value)) setValue("");
  }
  return (
    <div className="row">
      <p className="grow">
        {LABEL[provider]} API key: <strong data-testid="hosted-key-state">{where}</strong>
      </p>
      {secrets?.canStore && (
        <form className="row" onSubmit={(event) => void save(event)}>
          <label>
            New {LABEL[provider]} key
            <input type="password" autoComplete="off" value={value} minLength={8} onChange={(event) => setValue(event.target.value)} />
          </label>
          <button type="submit" disabled={value.trim().length < 8}>
            Save key
          </button>
        </form>
      )}
    </div>
  );
}

function RunsTable({ runs }: { runs: HostedFinetuneStatus[] }) {
  const looking = useHostedFinetune((state) => state.looking);
  return (
    <table className="table" data-testid="hosted-runs">
      <thead>
        <tr>
          <th scope="col">Job</th>
          <th scope="col">Provider</th>
          <th scope="col">Name</th>
          <th scope="col">Set</th>
          <th scope="col">State</th>
          <th scope="col">Provider&apos;s word</th>
          <th scope="col">Estimate</th>
          <th scope="col">Cost</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.jobId}>
            <td>{run.jobId}</td>
            <td>{LABEL[run.provider]}</td>
            <td>{run.name}</td>
            <td>{run.dataset}</td>
            <td>
              {run.state}
              {run.message && (run.state === "failed" || run.state === "cancelled") && <div className="error small">{run.message}</div>}
            </td>
            <td>{run.providerStatus ?? "—"}</td>
            <td>{usd(run.estimate.usd)}</td>
            <td>{run.costUsd === null ? "not reported" : usd(run.costUsd)}</td>
            <td className="actions">
              {run.state === "running" && (
                <>
                  <button type="button" onClick={() => void useHostedFinetune.getState().look(run.jobId)} disabled={looking.includes(run.jobId)}>
                    {looking.includes(run.jobId) ? "Looking…" : "Look now"}
                  </button>
                  <button type="button" onClick={() => void useHostedFinetune.getState().cancel(run.jobId)}>
                    Cancel
                  </button>
                </>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A fine-tune at OpenPipe or Together: synthetic sets only, its cost estimated before anything is sent, and each run's status in the provider's words. */
export function HostedFinetune() {
  const sets = useDatasets((state) => state.sets).filter((one) => one.origin === "synthetic");
  const bases = useModels((state) => state.models).filter((model) => !model.server && model.adapterPath === null);
  const { runs, estimate, estimateError, submitting, submitError } = useHostedFinetune();
  const [provider, setProvider] = useState<HostedProviderName>("openpipe");
  const [datasetName, setDatasetName] = useState("");
  const [epochs, setEpochs] = useState(String(DEFAULT_EPOCHS));
  const [maxUsd, setMaxUsd] = useState("");
  const set = sets.find((one) => one.name === datasetName) ?? sets.at(-1);
  const base = set ? (bases.find((model) => model.name === set.card.base_model.name) ?? bases[0]) : bases[0];
  const epochCount = Number(epochs);
  useEffect(() => void useHostedFinetune.getState().load(), []);
  useEffect(() => {
    if (set && base && Number.isInteger(epochCount) && epochCount >= 1) void useHostedFinetune.getState().estimateFor({ provider, dataset: set.name, baseModelId: base.id, recipe: { epochs: epochCount } });
  }, [provider, set?.name, base?.id, epochCount]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!set || !base) return;
    await useHostedFinetune.getState().submit({ provider, dataset: set.name, baseModelId: base.id, recipe: { epochs: epochCount }, ...(maxUsd.trim() === "" ? {} : { maxUsd: Number(maxUsd) }) });
  }

  return (
    <section className="card" aria-labelledby="hosted-heading" data-testid="hosted-finetune">
      <h2 id="hosted-heading">Train at a hosted provider</h2>
      <p className="muted">For groups without a cluster: OpenPipe or Together trains Llama 3.1 8B Instruct on a synthetic set. A set holding a real letter is never sent.</p>
      <form onSubmit={(event) => void submit(event)}>
        <div className="form-grid">
          <label>
            Provider
            <select value={provider} onChange={(event) => setProvider(event.target.value as HostedProviderName)}>
              <option value="openpipe">OpenPipe</option>
              <option value="together">Together</option>
            </select>
          </label>
          <label>
            Synthetic training set
            <select value={set?.name ?? ""} onChange={(event) => setDatasetName(event.target.value)}>
              {sets.length === 0 && <option value="">No synthetic set yet</option>}
              {sets.map((one) => (
                <option key={one.name} value={one.name}>
                  {one.name} ({one.card.counts.train} train rows)
                </option>
              ))}
            </select>
          </label>
          <label>
            Epochs
            <input type="number" min={1} max={20} step={1} value={epochs} onChange={(event) => setEpochs(event.target.value)} required />
          </label>
          <label>
            Refuse above, USD (optional)
            <input type="number" min={0} step="any" value={maxUsd} onChange={(event) => setMaxUsd(event.target.value)} />
          </label>
        </div>
        <p aria-live="polite" data-testid="hosted-estimate">
          {estimate
            ? `Estimated cost: ${estimate.trainingTokens.toLocaleString("en")} training tokens × ${estimate.epochs} epoch${estimate.epochs === 1 ? "" : "s"} × ${usd(estimate.pricePerMillionTokens)} per million tokens = ${usd(estimate.usd)}`
            : estimateError
              ? `No estimate: ${estimateError}`
              : "No estimate yet."}
        </p>
        <ProviderKey provider={provider} />
        <div className="actions">
          <button type="submit" className="primary" disabled={submitting || !set || !base || estimate === null}>
            {submitting ? "Uploading…" : `Start at ${LABEL[provider]}`}
          </button>
        </div>
        {submitError && (
          <p role="alert" className="error" data-testid="hosted-submit-error">
            Not started: {submitError}
          </p>
        )}
      </form>
      {runs.length > 0 ? <RunsTable runs={runs} /> : <p className="muted">No hosted runs yet.</p>}
    </section>
  );
}
