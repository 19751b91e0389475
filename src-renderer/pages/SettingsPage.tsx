import { useEffect, useState, type FormEvent } from "react";
import type { Settings, SettingsView } from "../../src-shared/api.ts";
import { bridge } from "../api.ts";
import { useSettings } from "../state/settings.ts";

function SettingsForm({ saved }: { saved: SettingsView }) {
  const save = useSettings((state) => state.save);
  const info = useSettings((state) => state.info);
  const [draft, setDraft] = useState(saved);
  useEffect(() => setDraft(saved), [saved]);
  const extraction = (patch: Partial<Settings["extraction"]>) => setDraft({ ...draft, extraction: { ...draft.extraction, ...patch } });
  const exporting = (patch: Partial<Settings["export"]>) => setDraft({ ...draft, export: { ...draft.export, ...patch } });
  const desktop = bridge();

  function submit(event: FormEvent) {
    event.preventDefault();
    void save(draft);
  }

  return (
    <form className="settings" onSubmit={submit}>
      {saved.warnings.length > 0 && (
        <div className="card" role="status">
          <p className="error">Some stored settings could not be used; saving replaces them with what is shown here.</p>
          <ul>
            {saved.warnings.map((warning) => (
              <li key={warning.setting}>{warning.message}</li>
            ))}
          </ul>
        </div>
      )}
      <fieldset className="card">
        <legend>Reviewer</legend>
        <label>
          Name recorded with each correction
          <input value={draft.reviewer} maxLength={80} onChange={(event) => setDraft({ ...draft, reviewer: event.target.value })} placeholder={info?.user ?? ""} />
        </label>
      </fieldset>
      <fieldset className="card form-grid">
        <legend>Extraction</legend>
        <label>
          Letters in parallel
          <input type="number" min={1} max={256} value={draft.extraction.parallel} onChange={(event) => extraction({ parallel: Number(event.target.value) })} />
        </label>
        <label>
          Contexts (blank: chosen for this machine)
          <input
            type="number"
            min={1}
            max={64}
            value={draft.extraction.contexts ?? ""}
            onChange={(event) => extraction({ contexts: event.target.value === "" ? null : Number(event.target.value) })}
          />
        </label>
        <label>
          Context size (tokens)
          <input type="number" min={1024} max={131072} step={1024} value={draft.extraction.contextSize} onChange={(event) => extraction({ contextSize: Number(event.target.value) })} />
        </label>
        <label>
          Longest answer (tokens)
          <input type="number" min={256} max={32768} value={draft.extraction.maxTokens} onChange={(event) => extraction({ maxTokens: Number(event.target.value) })} />
        </label>
        <label>
          GPU
          <select value={draft.extraction.gpu} onChange={(event) => extraction({ gpu: event.target.value as "auto" | "off" })}>
            <option value="auto">use the GPU when there is one</option>
            <option value="off">CPU only</option>
          </select>
        </label>
      </fieldset>
      <fieldset className="card">
        <legend>Export defaults</legend>
        <label className="check">
          <input type="checkbox" checked={draft.export.bom} onChange={(event) => exporting({ bom: event.target.checked })} />
          Byte-order mark in CSV files (for Excel)
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.export.excludeUngrounded} onChange={(event) => exporting({ excludeUngrounded: event.target.checked })} />
          Leave out values not found in the letter
        </label>
        <div className="row">
          <label className="grow">
            Export folder
            <input value={draft.export.folder ?? ""} onChange={(event) => exporting({ folder: event.target.value.trim() === "" ? null : event.target.value })} placeholder={info?.dataDir ?? ""} />
          </label>
          {desktop && (
            <button type="button" onClick={() => void desktop.pick({ kind: "export-folder" }).then(([folder]) => folder && exporting({ folder }))}>
              Choose…
            </button>
          )}
        </div>
      </fieldset>
      <div className="actions">
        <button type="submit" className="primary">
          Save settings
        </button>
        <button type="button" onClick={() => setDraft(saved)}>
          Discard changes
        </button>
      </div>
      {info && (
        <p className="muted">
          OncoTimeline {info.version} · data folder {info.dataDir} · {info.letters.toLocaleString("en-GB")} letters · signed in as {info.user}
        </p>
      )}
    </form>
  );
}

export function SettingsPage(): React.JSX.Element {
  const settings = useSettings((state) => state.settings);
  useEffect(() => {
    void useSettings.getState().load();
  }, []);
  return <div className="page">{settings ? <SettingsForm saved={settings} /> : <p className="muted">Loading settings…</p>}</div>;
}
