import { useEffect, useRef, useState, type FormEvent } from "react";
import type { ModelSummary } from "../../src-shared/api.ts";
import { bridge } from "../api.ts";
import { formatBytes } from "../../src-shared/formatBytes.ts";
import type { ModelLineage } from "../../src-shared/modelLineage.ts";
import { BaseModelDownload } from "../components/BaseModelDownload.tsx";
import { formatLoss, LossChart } from "../components/LossChart.tsx";
import { useModels } from "../state/models.ts";
import { OriginBadge } from "./DatasetsPage.tsx";

/** A size the machine may not report (no GPU, no estimate yet): "—". */
function formatSize(bytes: number | null): string {
  return bytes === null ? "—" : formatBytes(bytes);
}

function Hardware() {
  const hardware = useModels((state) => state.hardware);
  if (!hardware) return <p className="muted">Checking this machine…</p>;
  return (
    <section className="card" aria-label="This machine">
      <h2>This machine</h2>
      <dl className="stats">
        <div>
          <dt>Backend</dt>
          <dd data-testid="backend">{hardware.backend.toUpperCase()}</dd>
        </div>
        <div>
          <dt>GPU</dt>
          <dd>{hardware.gpuName ?? "none"}</dd>
        </div>
        <div>
          <dt>VRAM free / total</dt>
          <dd>
            {formatSize(hardware.vramFree)} / {formatSize(hardware.vramTotal)}
          </dd>
        </div>
        <div>
          <dt>RAM free / total</dt>
          <dd>
            {formatBytes(hardware.ramFree)} / {formatBytes(hardware.ramTotal)}
          </dd>
        </div>
        <div>
          <dt>CPU cores</dt>
          <dd>{hardware.cpuCores}</dd>
        </div>
      </dl>
    </section>
  );
}

function AddModel() {
  const adding = useModels((state) => state.adding);
  const add = useModels((state) => state.add);
  const [path, setPath] = useState("");
  const [adapter, setAdapter] = useState("");
  const [name, setName] = useState("");
  const desktop = bridge();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (path.trim() && (await add(path.trim(), name.trim() || undefined, adapter.trim() || undefined))) {
      setPath("");
      setAdapter("");
      setName("");
    }
  }
  return (
    <form className="card" aria-label="Import a model" onSubmit={(event) => void submit(event)}>
      <h2>Import a GGUF model</h2>
      <p className="muted">The model is loaded once and must extract a test letter before it is registered. With a LoRA adapter, the adapter is first checked against the base (architecture, every tensor&apos;s shape) and the pair is tested together.</p>
      <div className="row">
        <label className="grow">
          GGUF file path
          <input value={path} onChange={(event) => setPath(event.target.value)} placeholder="/models/oncotimeline-8b-q4_k_m.gguf" required />
        </label>
        {desktop && (
          <button type="button" onClick={() => void desktop.pick({ kind: "model" }).then((files) => files[0] && setPath(files[0]))}>
            Browse…
          </button>
        )}
      </div>
      <div className="row">
        <label className="grow">
          LoRA adapter GGUF (optional: a fine-tune of the base above)
          <input value={adapter} onChange={(event) => setAdapter(event.target.value)} placeholder="/models/oncotimeline-lora.gguf" />
        </label>
        {desktop && (
          <button type="button" aria-label="Browse for the adapter file" onClick={() => void desktop.pick({ kind: "model" }).then((files) => files[0] && setAdapter(files[0]))}>
            Browse…
          </button>
        )}
        <label>
          Name (optional)
          <input value={name} onChange={(event) => setName(event.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={adding || !path.trim()}>
          {adding ? "Testing the model…" : "Test and register"}
        </button>
      </div>
    </form>
  );
}

export function ModelsPage(): React.JSX.Element {
  const models = useModels((state) => state.models);
  const estimates = useModels((state) => state.estimates);

  useEffect(() => {
    const state = useModels.getState();
    void state.load().then(() => useModels.getState().models.forEach((model) => void useModels.getState().estimate(model.id)));
    void state.loadHardware();
    void state.loadDownloads();
    void state.loadSecrets();
    // A fine-tune brought into view once (from the Fine-tune screen) is not brought into view again.
    return () => useModels.getState().focus(null);
  }, []);

  return (
    <div className="page">
      <Hardware />
      <BaseModelDownload />
      <AddModel />
      <section aria-label="Registered models">
        <h2>Registered models</h2>
        {models.length === 0 ? (
          <p className="muted">No model is registered yet.</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">File</th>
                <th scope="col">Size</th>
                <th scope="col">Layers on GPU</th>
                <th scope="col">VRAM / RAM needed</th>
                <th scope="col">Fits</th>
              </tr>
            </thead>
            <tbody>
              {models.map((model) => {
                const estimate = estimates[model.id];
                return (
                  <tr key={model.id} data-testid="model-row">
                    <td>{model.name}</td>
                    <td data-testid="model-kind">{model.server ? "server" : model.adapterPath === null ? "base" : "base + adapter"}</td>
                    <td className="path" title={model.path}>
                      {model.server ? `server ${model.path}` : model.path}
                      {model.adapterPath !== null && (
                        <>
                          <br />+ {model.adapterPath}
                        </>
                      )}
                    </td>
                    <td>{model.server ? "—" : formatBytes(model.bytes)}</td>
                    {estimate === undefined ? (
                      <td colSpan={3} className="muted">
                        Estimating…
                      </td>
                    ) : typeof estimate === "string" ? (
                      <td colSpan={3} className="error">
                        {estimate}
                      </td>
                    ) : (
                      <>
                        <td>
                          {estimate.gpuLayers}/{estimate.totalLayers}
                        </td>
                        <td title={estimate.notes.join("\n")}>
                          {formatBytes(estimate.vramBytes)} / {formatBytes(estimate.ramBytes)}
                          <span className="muted"> ({estimate.parallel}× {estimate.contextSize} tokens)</span>
                        </td>
                        <td>{estimate.fits ? "yes" : "no"}</td>
                      </>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      <FineTunes models={models} />
    </div>
  );
}

const when = (iso: string | null): string => (iso === null ? "—" : new Date(iso).toLocaleString("en-GB"));

function duration(seconds: number | null): string {
  if (seconds === null) return "—";
  const minutes = Math.round(seconds / 60);
  return minutes < 1 ? `${Math.round(seconds)} s` : minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}

/** Every model with an adapter, each with where it came from; the one the Fine-tune screen opened is open and in view. */
function FineTunes({ models }: { models: ModelSummary[] }) {
  const focus = useModels((state) => state.focusModelId);
  const tuned = models.filter((model) => model.adapterPath !== null);
  if (tuned.length === 0) return null;
  return (
    <section aria-labelledby="finetunes-heading">
      <h2 id="finetunes-heading">Fine-tunes: base + adapter</h2>
      {tuned.map((model, index) => (
        <Lineage key={model.id} model={model} open={focus === null ? index === tuned.length - 1 : focus === model.id} focused={focus === model.id} />
      ))}
    </section>
  );
}

function Lineage({ model, open, focused }: { model: ModelSummary; open: boolean; focused: boolean }) {
  const box = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    if (!focused) return;
    // After the screen's own focus move to its heading (App.tsx), which runs after this effect.
    const timer = setTimeout(() => {
      if (!box.current) return;
      box.current.open = true;
      box.current.scrollIntoView({ block: "start" });
      box.current.querySelector("summary")?.focus({ preventScroll: true });
    }, 0);
    return () => clearTimeout(timer);
  }, [focused]);
  const lineage = model.lineage;
  return (
    <details ref={box} className="card lineage" open={open} data-testid="lineage">
      <summary>
        <strong>{model.name}</strong> <span className="badge">base + adapter</span>
        {lineage?.dataset && <span className="muted"> · trained on {lineage.dataset.name}</span>}
        {lineage?.training && lineage.training.firstLoss !== null && lineage.training.lastLoss !== null && (
          <span className="muted">
            {" "}
            · loss {formatLoss(lineage.training.firstLoss)} → {formatLoss(lineage.training.lastLoss)}
          </span>
        )}
      </summary>
      {lineage === null ? <p className="muted">No lineage recorded: the adapter was registered by hand ({model.adapterPath}).</p> : <LineageFields model={model} lineage={lineage} />}
    </details>
  );
}

function LineageFields({ model, lineage }: { model: ModelSummary; lineage: ModelLineage }) {
  const { base, dataset, job, training } = lineage;
  return (
    <div className="lineage-body">
      <dl className="fields">
        <div>
          <dt>Base</dt>
          <dd>
            {base.name} <span className="hash">fingerprint {base.fingerprint}</span>
          </dd>
        </div>
        <div>
          <dt>Checkpoint trained on</dt>
          <dd className="hash">{base.checkpointSha256 === null ? "—" : `SHA-256 ${base.checkpointSha256}`}</dd>
        </div>
        <div>
          <dt>Adapter</dt>
          <dd className="path">{model.adapterPath}</dd>
        </div>
        <div>
          <dt>Training set</dt>
          <dd>
            {dataset === null ? (
              "—"
            ) : (
              <span>
                {dataset.name} <OriginBadge origin={dataset.origin} /> · prompt {dataset.promptVersion} · card <span className="hash">SHA-256 {dataset.cardSha256}</span>
              </span>
            )}
          </dd>
        </div>
        {dataset && (
          <div>
            <dt>Its files</dt>
            <dd>
              <ul className="plain">
                {Object.entries(dataset.files).map(([file, { rows, sha256 }]) => (
                  <li key={file}>
                    {file}: {rows} rows, <span className="hash">SHA-256 {sha256}</span>
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        )}
        <div>
          <dt>Recipe</dt>
          <dd data-testid="lineage-recipe">
            {Object.entries(lineage.recipe)
              .map(([key, value]) => `${key} ${value === null ? "—" : String(value)}`)
              .join(" · ")}
          </dd>
        </div>
        <div>
          <dt>Cluster job</dt>
          <dd data-testid="lineage-job">{job === null ? "—" : `${job.kind} job ${job.jobId} on ${job.where}: submitted ${when(job.submittedAt)}, started ${when(job.startedAt)}, finished ${when(job.finishedAt)}`}</dd>
        </div>
        <div>
          <dt>Training</dt>
          <dd>
            {training === null ? (
              "—"
            ) : (
              <span className="lineage-training">
                <span>
                  {training.steps} steps, loss {training.firstLoss === null ? "—" : formatLoss(training.firstLoss)} → {training.lastLoss === null ? "—" : formatLoss(training.lastLoss)} · {duration(training.seconds)} · {training.mode} on {training.device}
                </span>
                <LossChart points={training.loss} variant="sparkline" />
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt>Training bundle</dt>
          <dd>{lineage.bundleVersion ?? "—"}</dd>
        </div>
        <div>
          <dt>llama.cpp commit</dt>
          <dd className="hash">{lineage.llamaCppCommit ?? "—"}</dd>
        </div>
      </dl>
    </div>
  );
}
