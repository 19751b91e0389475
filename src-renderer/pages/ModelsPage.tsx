import { useEffect, useState, type FormEvent } from "react";
import { bridge } from "../api.ts";
import { formatBytes } from "../../src-shared/formatBytes.ts";
import { useModels } from "../state/models.ts";

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
  const [name, setName] = useState("");
  const desktop = bridge();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (path.trim() && (await add(path.trim(), name.trim() || undefined))) {
      setPath("");
      setName("");
    }
  }
  return (
    <form className="card" aria-label="Import a model" onSubmit={(event) => void submit(event)}>
      <h2>Import a GGUF model</h2>
      <p className="muted">The model is loaded once and must extract a test letter before it is registered.</p>
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
  }, []);

  return (
    <div className="page">
      <Hardware />
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
                    <td className="path" title={model.path}>
                      {model.server ? `server ${model.path}` : model.path}
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
    </div>
  );
}
