import { useEffect, useState, type FormEvent } from "react";
import type { ExportFormat, ExportResult, PatientSummary } from "../../src-shared/api.ts";
import { bridge, call, errorMessage } from "../api.ts";
import { reportError } from "../state/toast.ts";
import { useModels } from "../state/models.ts";
import { useSettings } from "../state/settings.ts";

const FORMATS: { value: ExportFormat; label: string; ext: string }[] = [
  { value: "csv", label: "CSV, one row per value (long)", ext: "csv" },
  { value: "csv-wide", label: "CSV, one row per letter (wide)", ext: "csv" },
  { value: "json", label: "JSON", ext: "json" },
  { value: "redcap", label: "REDCap import", ext: "csv" },
  { value: "fhir", label: "FHIR mCODE bundle", ext: "json" },
];

function defaultOut(folder: string, format: ExportFormat): string {
  const ext = FORMATS.find((f) => f.value === format)?.ext ?? "csv";
  const sep = folder.includes("\\") && !folder.includes("/") ? "\\" : "/";
  return `${folder.replace(/[\\/]+$/, "")}${sep}oncotimeline-${format}-${new Date().toISOString().slice(0, 10)}.${ext}`;
}

export function ExportPage(): React.JSX.Element {
  const desktop = bridge();
  const settings = useSettings((state) => state.settings);
  const info = useSettings((state) => state.info);
  const models = useModels((state) => state.models);
  const [patients, setPatients] = useState<PatientSummary[]>([]);
  const [format, setFormat] = useState<ExportFormat>("csv");
  const [scope, setScope] = useState<"all" | "patient">("all");
  const [patient, setPatient] = useState("");
  const [modelId, setModelId] = useState<number | null>(null);
  const [bom, setBom] = useState<boolean | null>(null);
  const [excludeUngrounded, setExcludeUngrounded] = useState<boolean | null>(null);
  const [out, setOut] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<ExportResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void useSettings.getState().load();
    void useModels.getState().load();
    call("patients.list", {})
      .then(setPatients)
      .catch((e: unknown) => setError(errorMessage(e)));
  }, []);

  const folder = settings?.export.folder ?? info?.dataDir ?? "";
  const outPath = out ?? (folder ? defaultOut(folder, format) : "");
  const useBom = bom ?? settings?.export.bom ?? false;
  const useExclude = excludeUngrounded ?? settings?.export.excludeUngrounded ?? false;
  const chosenPatient = patient || patients[0]?.id || "";

  async function run(event: FormEvent) {
    event.preventDefault();
    setRunning(true);
    setError(null);
    setResult(null);
    try {
      setResult(
        await call("export.run", {
          format,
          out: outPath,
          bom: useBom,
          excludeUngrounded: useExclude,
          ...(scope === "patient" && chosenPatient ? { patient: chosenPatient } : {}),
          ...(modelId !== null ? { modelId } : {}),
        }),
      );
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setRunning(false);
    }
  }

  return (
    <div className="page">
      <form className="card form-grid" aria-label="Export" onSubmit={(event) => void run(event)}>
        <label>
          Format
          <select value={format} onChange={(event) => setFormat(event.target.value as ExportFormat)}>
            {FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Scope</legend>
          <label className="check">
            <input type="radio" name="scope" checked={scope === "all"} onChange={() => setScope("all")} />
            All patients
          </label>
          <label className="check">
            <input type="radio" name="scope" checked={scope === "patient"} onChange={() => setScope("patient")} />
            One patient
          </label>
          <select aria-label="Patient to export" value={chosenPatient} disabled={scope !== "patient"} onChange={(event) => setPatient(event.target.value)}>
            {patients.map((p) => (
              <option key={p.id} value={p.id}>
                {p.id}
              </option>
            ))}
          </select>
        </fieldset>
        <label>
          Model
          <select value={modelId ?? ""} onChange={(event) => setModelId(event.target.value ? Number(event.target.value) : null)}>
            <option value="">latest result per letter</option>
            {models.map((model) => (
              <option key={model.id} value={model.id}>
                {model.name}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Options</legend>
          <label className="check">
            <input type="checkbox" checked={useBom} onChange={(event) => setBom(event.target.checked)} />
            Byte-order mark (for Excel)
          </label>
          <label className="check">
            <input type="checkbox" checked={useExclude} onChange={(event) => setExcludeUngrounded(event.target.checked)} />
            Leave out values not found in the letter
          </label>
        </fieldset>
        <label className="wide">
          Save to
          <input value={outPath} onChange={(event) => setOut(event.target.value)} required />
        </label>
        <div className="actions wide">
          <button type="submit" className="primary" disabled={running || !outPath}>
            {running ? "Exporting…" : "Run export"}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {error && <p className="error">{error}</p>}
        {result && (
          <section className="card" aria-label="Export result" data-testid="export-result">
            <h2>Exported</h2>
            <p>
              <strong data-testid="export-rows">{result.rows.toLocaleString("en-GB")}</strong> rows from <strong>{result.letters}</strong> letters ({result.format}).
            </p>
            <ul className="paths">
              {result.paths.map((path) => (
                <li key={path}>
                  <span data-testid="export-path">{path}</span>
                  {desktop && (
                    <button type="button" onClick={() => void call("export.reveal", { path }).catch(reportError)}>
                      Show in folder
                    </button>
                  )}
                </li>
              ))}
            </ul>
            {result.sha256 && <p className="muted">SHA-256 {result.sha256}</p>}
          </section>
        )}
      </div>
    </div>
  );
}
