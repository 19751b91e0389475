import { useEffect, useId, useState, type FormEvent } from "react";
import type { DatasetCard, DatasetSummary } from "../../src-shared/api.ts";
import { useDatasets } from "../state/datasets.ts";
import { useModels } from "../state/models.ts";

const count = (value: number): string => value.toLocaleString("en-GB");

export function OriginBadge({ origin }: { origin: DatasetCard["origin"] }): React.JSX.Element {
  return origin === "contains-real" ? (
    <span className="badge origin-real" data-testid="origin-badge">
      Contains real letters: on-premise training only
    </span>
  ) : (
    <span className="badge origin-synthetic" data-testid="origin-badge">
      Synthetic letters only
    </span>
  );
}

/** Comma- or space-separated letter types; blank: every type. */
function letterTypesOf(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

function BuildForm() {
  const models = useModels((state) => state.models);
  const building = useDatasets((state) => state.building);
  const buildError = useDatasets((state) => state.buildError);
  const buildResult = useDatasets((state) => state.buildResult);
  const bases = models.filter((model) => !model.server && model.adapterPath === null);
  const [name, setName] = useState("");
  const [baseId, setBaseId] = useState("");
  const [source, setSource] = useState<"letters" | "qa">("letters");
  const [minDifficulty, setMinDifficulty] = useState("1");
  const [testFraction, setTestFraction] = useState("0.1");
  const [seed, setSeed] = useState("1");
  const [maxTokens, setMaxTokens] = useState("12000");
  const [includeReviewed, setIncludeReviewed] = useState(false);
  const [includeFlagged, setIncludeFlagged] = useState(false);
  const [letterTypes, setLetterTypes] = useState("");
  const warningId = useId();
  const chosenBase = baseId === "" ? bases[0]?.id : Number(baseId);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (chosenBase === undefined) return;
    const built = await useDatasets.getState().build({
      name: name.trim(),
      baseModelId: chosenBase,
      source,
      minDifficulty: Number(minDifficulty),
      testFraction: Number(testFraction),
      seed: Number(seed),
      maxTokens: Number(maxTokens),
      includeReviewed: source === "letters" && includeReviewed,
      includeFlagged,
      letterTypes: letterTypesOf(letterTypes),
    });
    if (built) setName("");
  }

  return (
    <form className="card" aria-labelledby="dataset-build-heading" onSubmit={(event) => void submit(event)}>
      <h2 id="dataset-build-heading">Build a training set</h2>
      <p className="muted">From the studio&apos;s accepted synthetic letters with their gold timelines, or from their question/answer pairs. Token lengths are counted with the base model&apos;s own tokenizer; rows over the maximum are left out and listed, never cut.</p>
      <div className="form-grid">
        <label>
          Name
          <input value={name} onChange={(event) => setName(event.target.value)} required maxLength={80} pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" title="Letters, digits, dots, dashes and underscores" placeholder="breast-v1" />
        </label>
        <label>
          Base model
          <select value={chosenBase === undefined ? "" : String(chosenBase)} onChange={(event) => setBaseId(event.target.value)} required>
            {bases.length === 0 && <option value="">No base model registered (Models screen)</option>}
            {bases.map((model) => (
              <option key={model.id} value={model.id}>
                {model.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Rows
          <select value={source} onChange={(event) => setSource(event.target.value as "letters" | "qa")}>
            <option value="letters">letter → timeline (extraction)</option>
            <option value="qa">question → answer (QA pairs)</option>
          </select>
        </label>
        <label>
          Minimum difficulty (QA, 1–10)
          <input type="number" min={1} max={10} step={1} value={minDifficulty} onChange={(event) => setMinDifficulty(event.target.value)} disabled={source !== "qa"} required />
        </label>
        <label>
          Test share (0 to 0.99)
          <input type="number" min={0} max={0.99} step={0.01} value={testFraction} onChange={(event) => setTestFraction(event.target.value)} required />
        </label>
        <label>
          Split seed
          <input type="number" min={1} step={1} value={seed} onChange={(event) => setSeed(event.target.value)} required />
        </label>
        <label>
          Maximum tokens per row
          <input type="number" min={1} step={1} value={maxTokens} onChange={(event) => setMaxTokens(event.target.value)} required />
        </label>
        <label>
          Letter types (blank: all)
          <input value={letterTypes} onChange={(event) => setLetterTypes(event.target.value)} placeholder="initial_assessment, follow_up" />
        </label>
        <div className="wide">
          <label className="check">
            <input type="checkbox" checked={includeFlagged} onChange={(event) => setIncludeFlagged(event.target.checked)} />
            Also take letters the validator flagged (default: accepted letters only)
          </label>
          <label className="check">
            <input type="checkbox" checked={source === "letters" && includeReviewed} disabled={source !== "letters"} onChange={(event) => setIncludeReviewed(event.target.checked)} aria-describedby={warningId} />
            Include reviewed real letters, with their corrections
          </label>
          <p id={warningId} className={includeReviewed && source === "letters" ? "note" : "muted"}>
            {includeReviewed && source === "letters"
              ? "Real patient letters: the set will be marked “contains real letters” and may be trained only on this hospital's own cluster, never sent to a cloud provider."
              : "Real letters are never included unless you tick this (letter rows only)."}
          </p>
        </div>
      </div>
      <div className="actions">
        <button type="submit" className="primary" disabled={building !== null || chosenBase === undefined || name.trim() === ""}>
          {building !== null ? "Building…" : "Build training set"}
        </button>
      </div>
      <div aria-live="polite">
        {building !== null && (
          <p role="status" data-testid="build-progress">
            Building “{building}”: reading the studio&apos;s letters and counting tokens with the base model&apos;s tokenizer…
          </p>
        )}
        {buildResult && <p role="status">{buildResult}</p>}
      </div>
      {buildError && (
        <p role="alert" className="error" data-testid="build-error">
          Could not build the training set: {buildError}
        </p>
      )}
    </form>
  );
}

function SetList({ sets, selected }: { sets: DatasetSummary[]; selected: string | null }) {
  return (
    <section aria-labelledby="dataset-list-heading">
      <h2 id="dataset-list-heading">Training sets</h2>
      {sets.length === 0 ? (
        <p className="muted">No training set yet: build one above.</p>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Origin</th>
              <th scope="col">Rows</th>
              <th scope="col">Train / test</th>
              <th scope="col">Base model</th>
              <th scope="col">Built</th>
            </tr>
          </thead>
          <tbody>
            {sets.map((set) => (
              <tr key={set.name} className={set.name === selected ? "selected-row" : undefined} data-testid="dataset-row">
                <td>
                  <button type="button" className="link" aria-pressed={set.name === selected} onClick={() => useDatasets.getState().select(set.name)}>
                    {set.name}
                  </button>
                </td>
                <td>
                  <OriginBadge origin={set.origin} />
                </td>
                <td>{set.card.source === "qa" ? "question → answer" : "letter → timeline"}</td>
                <td>
                  {count(set.card.counts.train)} / {count(set.card.counts.test)}
                </td>
                <td>{set.card.base_model.name}</td>
                <td>{new Date(set.card.created_at).toLocaleString("en-GB")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CountTable({ title, counts }: { title: string; counts: Record<string, number> }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const most = Math.max(1, ...entries.map(([, value]) => value));
  return (
    <table className="table compact counts" aria-label={title}>
      <thead>
        <tr>
          <th scope="col">{title}</th>
          <th scope="col">Rows</th>
        </tr>
      </thead>
      <tbody>
        {entries.length === 0 ? (
          <tr>
            <td colSpan={2} className="muted">
              none
            </td>
          </tr>
        ) : (
          entries.map(([key, value]) => (
            <tr key={key}>
              <th scope="row">{key}</th>
              <td className="count-cell">
                <span className="count-value">{count(value)}</span>
                <svg className="count-bar" width={80} height={10} aria-hidden="true">
                  <rect x={0} y={1} width={Math.max(2, (value / most) * 80)} height={8} rx={2} />
                </svg>
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

/** Min, median, 90th percentile and max as four bars on one scale, with the set's maximum marked where it fits. */
function TokenFigure({ tokens, limit }: { tokens: NonNullable<DatasetCard["tokens"]>; limit: number }) {
  const rows: [string, number][] = [
    ["shortest", tokens.min],
    ["median", tokens.median],
    ["90th percentile", tokens.p90],
    ["longest", tokens.max],
  ];
  const scale = Math.max(tokens.max, limit <= tokens.max * 1.5 ? limit : 0) * 1.04;
  const labelWidth = 110;
  const barWidth = 300;
  const width = labelWidth + barWidth + 64;
  const at = (value: number) => labelWidth + (value / scale) * barWidth;
  const label = `Tokens per row: shortest ${tokens.min}, median ${tokens.median}, 90th percentile ${tokens.p90}, longest ${tokens.max}, mean ${Math.round(tokens.mean)}; maximum allowed ${limit}`;
  return (
    <figure className="token-figure">
      <svg viewBox={`0 0 ${width} ${rows.length * 22 + 8}`} width={width} height={rows.length * 22 + 8} role="img" aria-label={label} data-testid="token-figure">
        <title>{label}</title>
        {rows.map(([name, value], index) => (
          <g key={name}>
            <text x={labelWidth - 8} y={index * 22 + 15} textAnchor="end">
              {name}
            </text>
            <rect x={labelWidth} y={index * 22 + 5} width={Math.max(1, at(value) - labelWidth)} height={14} rx={2} className="token-bar" />
            <text x={width - 4} y={index * 22 + 16} textAnchor="end" className="token-value">
              {count(value)}
            </text>
          </g>
        ))}
        {limit <= scale && (
          <line x1={at(limit)} x2={at(limit)} y1={0} y2={rows.length * 22 + 8} className="token-limit">
            <title>maximum allowed: {limit}</title>
          </line>
        )}
      </svg>
      <figcaption className="muted">
        Tokens per row with the base model&apos;s chat template: mean {count(Math.round(tokens.mean))}; maximum allowed {count(limit)}
        {limit <= scale ? " (dashed line)" : ""}.
      </figcaption>
    </figure>
  );
}

function SetCard({ set }: { set: DatasetSummary }) {
  const { card } = set;
  const settings = card.settings;
  return (
    <section className="card dataset-card" aria-labelledby="dataset-card-heading" data-testid="dataset-card">
      <h2 id="dataset-card-heading">
        {card.name} <OriginBadge origin={card.origin} />
      </h2>
      {card.origin === "contains-real" && <p className="note">This set holds real patient letters. Train it only on the hospital&apos;s own cluster; it is never sent to a cloud provider.</p>}
      <dl className="stats">
        <div>
          <dt>Rows</dt>
          <dd data-testid="dataset-rows">{count(card.counts.rows)}</dd>
        </div>
        <div>
          <dt>Train / test</dt>
          <dd>
            {count(card.counts.train)} / {count(card.counts.test)}
          </dd>
        </div>
        <div>
          <dt>Left out</dt>
          <dd data-testid="dataset-excluded">{count(card.counts.excluded)}</dd>
        </div>
        {card.counts.balanced_away > 0 && (
          <div>
            <dt>Balanced away (QA)</dt>
            <dd>{count(card.counts.balanced_away)}</dd>
          </div>
        )}
        <div>
          <dt>Rows are</dt>
          <dd>{card.source === "qa" ? "question → answer" : "letter → timeline"}</dd>
        </div>
        <div>
          <dt>Prompt version</dt>
          <dd data-testid="dataset-prompt">{card.prompt_version}</dd>
        </div>
        <div>
          <dt>Base model</dt>
          <dd>
            {card.base_model.name} <span className="hash" title={`fingerprint ${card.base_model.fingerprint}`}>{card.base_model.fingerprint.slice(0, 12)}</span>
          </dd>
        </div>
      </dl>
      <p className="muted">
        Built {new Date(card.created_at).toLocaleString("en-GB")} · test share {settings.test_fraction} · seed {settings.seed} · at most {count(settings.max_tokens)} tokens a row · {settings.include_flagged ? "accepted and flagged letters" : "accepted letters only"}
        {settings.include_reviewed ? " · reviewed real letters included" : ""} · letter types {settings.letter_types?.join(", ") ?? "all"}
        {settings.min_difficulty === null ? "" : ` · difficulty ${settings.min_difficulty} and up`} · folder <span className="path">{set.folder}</span>
      </p>
      <div className="count-tables">
        <CountTable title="Letter type" counts={card.counts.by_letter_type} />
        {card.source === "letters" && <CountTable title="Event type" counts={card.counts.by_event_type} />}
        {card.source === "qa" && <CountTable title="QA kind" counts={card.counts.by_qa_kind} />}
        <div>
          <h3>Token lengths</h3>
          {card.tokens ? <TokenFigure tokens={card.tokens} limit={settings.max_tokens} /> : <p className="muted">No token counts.</p>}
        </div>
      </div>
      <h3>Files</h3>
      <table className="table compact" aria-label="Files">
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Rows</th>
            <th scope="col">SHA-256</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(card.files).map(([file, { rows, sha256 }]) => (
            <tr key={file} data-testid="dataset-file">
              <th scope="row">{file}</th>
              <td>{count(rows)}</td>
              <td className="path">{sha256}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Excluded rows</h3>
      {card.excluded.length === 0 ? (
        <p className="muted">None: every matching row is in the set.</p>
      ) : (
        <table className="table compact" aria-label="Excluded rows">
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Why it was left out</th>
            </tr>
          </thead>
          <tbody>
            {card.excluded.map((item) => (
              <tr key={item.id} data-testid="excluded-row">
                <th scope="row" className="path">
                  {item.id}
                </th>
                <td>{item.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Training sets for fine-tuning: what each holds (with the SHA-256 of every file), and a form to build one. */
export function DatasetsPage(): React.JSX.Element {
  const sets = useDatasets((state) => state.sets);
  const loaded = useDatasets((state) => state.loaded);
  const selected = useDatasets((state) => state.selected);
  useEffect(() => {
    void useDatasets.getState().load();
    void useModels.getState().load();
  }, []);
  const shown = sets.find((set) => set.name === selected);
  return (
    <div className="page">
      <BuildForm />
      {loaded ? <SetList sets={sets} selected={selected} /> : <p className="muted">Loading training sets…</p>}
      {shown && <SetCard set={shown} />}
    </div>
  );
}
