import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { RecipeSchema, type ClusterSettings, type ConnectResult, type FinetuneStatus, type Recipe } from "../../src-shared/api/finetune.ts";
import { HostedFinetune } from "../components/HostedFinetune.tsx";
import { formatLoss, LossChart } from "../components/LossChart.tsx";
import { useDatasets } from "../state/datasets.ts";
import { useFinetune } from "../state/finetune.ts";
import { useModels } from "../state/models.ts";
import { useNav } from "../state/nav.ts";
import { OriginBadge } from "./DatasetsPage.tsx";

/** The source recipe's settings, as the main side fills in what a run does not say. */
const RECIPE_DEFAULTS: Recipe = RecipeSchema.parse({});

const when = (iso: string | null): string => (iso === null ? "—" : new Date(iso).toLocaleString("en-GB"));

// ---------------------------------------------------------------------------------------------
// The cluster

type ClusterDraft = Record<keyof ClusterSettings, string>;

/** Blank: not set (null). */
const OPTIONAL_FIELDS = ["host", "username", "privateKeyPath", "knownHostsPath", "baseCheckpointDir", "partition", "account"] as const;
const REQUIRED_TEXT_FIELDS = ["workDir", "mem", "time"] as const;
const NUMBER_FIELDS = ["port", "gpus", "cpusPerTask"] as const;

function draftOf(cluster: ClusterSettings): ClusterDraft {
  return Object.fromEntries(Object.entries(cluster).map(([key, value]) => [key, value === null ? "" : String(value)])) as ClusterDraft;
}

/** The draft as settings: blank optional fields are null; numbers as typed, for the main side to judge. */
function clusterOf(draft: ClusterDraft): ClusterSettings {
  const next: Record<string, unknown> = { envSetup: draft.envSetup };
  for (const field of OPTIONAL_FIELDS) next[field] = draft[field].trim() === "" ? null : draft[field].trim();
  for (const field of REQUIRED_TEXT_FIELDS) next[field] = draft[field].trim();
  for (const field of NUMBER_FIELDS) next[field] = draft[field].trim() === "" ? Number.NaN : Number(draft[field]);
  return next as ClusterSettings;
}

function Field({ draft, field, label, set, span, ...input }: { draft: ClusterDraft; field: keyof ClusterSettings; label: string; set: (field: keyof ClusterSettings, value: string) => void; span?: boolean } & React.InputHTMLAttributes<HTMLInputElement>) {
  return (
    <label className={span ? "span2" : undefined}>
      {label}
      <input value={draft[field]} onChange={(event) => set(field, event.target.value)} {...input} />
    </label>
  );
}

function ClusterForm({ saved }: { saved: ClusterSettings }) {
  const [draft, setDraft] = useState(() => draftOf(saved));
  useEffect(() => setDraft(draftOf(saved)), [saved]);
  const saving = useFinetune((state) => state.savingCluster);
  const clusterError = useFinetune((state) => state.clusterError);
  const clusterSaved = useFinetune((state) => state.clusterSaved);
  const connecting = useFinetune((state) => state.connecting);
  const set = (field: keyof ClusterSettings, value: string) => setDraft({ ...draft, [field]: value });
  const asSaved = draftOf(saved);
  const asTyped = draftOf(clusterOf(draft));
  const dirty = (Object.keys(asSaved) as (keyof ClusterSettings)[]).some((field) => asTyped[field] !== asSaved[field]);

  async function save(event: FormEvent) {
    event.preventDefault();
    await useFinetune.getState().saveCluster(clusterOf(draft));
  }

  async function test() {
    // The connection uses the settings as stored: unsaved changes are saved first.
    if (dirty && !(await useFinetune.getState().saveCluster(clusterOf(draft)))) return;
    await useFinetune.getState().connect();
  }

  return (
    <form className="card" aria-labelledby="cluster-heading" onSubmit={(event) => void save(event)}>
      <h2 id="cluster-heading">Cluster</h2>
      <p className="muted">The hospital&apos;s Slurm cluster, reached over SSH with a key (never a password). Jobs get their own folder under the work folder.</p>
      <fieldset className="form-grid">
        <legend>Login node</legend>
        <Field draft={draft} field="host" label="Host" set={set} span placeholder="hpc-login.hospital.internal" autoComplete="off" />
        <Field draft={draft} field="port" label="Port" set={set} type="number" min={1} max={65535} required />
        <Field draft={draft} field="username" label="User" set={set} autoComplete="off" />
        <Field draft={draft} field="privateKeyPath" label="Private key file" set={set} span placeholder="/home/me/.ssh/id_ed25519" />
        <Field draft={draft} field="knownHostsPath" label="known_hosts file (blank: ~/.ssh/known_hosts)" set={set} span placeholder="~/.ssh/known_hosts" />
      </fieldset>
      <fieldset className="form-grid">
        <legend>On the cluster</legend>
        <Field draft={draft} field="workDir" label="Work folder (relative: in the home folder)" set={set} span required />
        <Field draft={draft} field="baseCheckpointDir" label="Base checkpoint folder (safetensors)" set={set} span placeholder="/shared/models/Llama-3.1-8B-Instruct" />
        <Field draft={draft} field="partition" label="Partition (blank: the default)" set={set} />
        <Field draft={draft} field="account" label="Account (blank: none)" set={set} />
        <Field draft={draft} field="gpus" label="GPUs per job (0: CPU only)" set={set} type="number" min={0} max={16} required />
        <Field draft={draft} field="cpusPerTask" label="CPUs per task" set={set} type="number" min={1} max={512} required />
        <Field draft={draft} field="mem" label="Memory (e.g. 64G)" set={set} required />
        <Field draft={draft} field="time" label="Time limit (e.g. 24:00:00)" set={set} required />
        <label className="wide">
          Environment setup, run before training (one shell line each)
          <textarea value={draft.envSetup} onChange={(event) => set("envSetup", event.target.value)} rows={3} maxLength={4000} placeholder={"module load cuda/12.4\nsource /shared/envs/onco/bin/activate"} spellCheck={false} />
        </label>
      </fieldset>
      <div className="actions">
        <button type="submit" className="primary" disabled={saving}>
          {saving ? "Saving…" : "Save cluster settings"}
        </button>
        <button type="button" disabled={saving || connecting} onClick={() => void test()}>
          {connecting ? "Connecting…" : "Test connection"}
        </button>
        <button type="button" disabled={!dirty} onClick={() => setDraft(draftOf(saved))}>
          Discard changes
        </button>
        <span aria-live="polite" className="muted">
          {clusterSaved && !dirty ? "Cluster settings saved." : dirty ? "Unsaved changes (Test connection saves them first)." : ""}
        </span>
      </div>
      {clusterError && (
        <p role="alert" className="error" data-testid="cluster-error">
          The cluster settings were not saved: {clusterError}
        </p>
      )}
      <Connection />
    </form>
  );
}

/** sinfo's "%P %a %l %D %T" line, in columns; the default partition is starred. */
function partitionColumns(line: string): string[] {
  return line.trim().split(/\s+/);
}

function Connection() {
  const connecting = useFinetune((state) => state.connecting);
  const connection = useFinetune((state) => state.connection);
  const connectError = useFinetune((state) => state.connectError);
  const cluster = useFinetune((state) => state.cluster);
  return (
    <div aria-live="polite" data-testid="connection">
      {connecting && <p role="status">Logging in and asking Slurm for its partitions…</p>}
      {connectError && (
        <p role="alert" className="error">
          Could not connect: {connectError}
        </p>
      )}
      {connection && <ConnectionResult result={connection} checkpointDir={cluster?.baseCheckpointDir ?? null} />}
    </div>
  );
}

function ConnectionResult({ result, checkpointDir }: { result: ConnectResult; checkpointDir: string | null }) {
  const connecting = useFinetune((state) => state.connecting);
  if (result.state === "unknown-host-key") {
    return (
      <div className="host-key" data-testid="host-key">
        <h3>This cluster&apos;s host key is not known yet</h3>
        <p>{result.message}</p>
        <dl className="fields">
          <div>
            <dt>Key type</dt>
            <dd data-testid="host-key-type">{result.keyType}</dd>
          </div>
          <div>
            <dt>Fingerprint</dt>
            <dd className="hash" data-testid="host-key-fingerprint">
              {result.fingerprint}
            </dd>
          </div>
        </dl>
        <p>Compare it with the fingerprint the cluster&apos;s administrators publish (or <code>ssh-keygen -lf</code> on the host key) before accepting: a different one means another machine is answering.</p>
        <button type="button" className="primary" disabled={connecting} onClick={() => void useFinetune.getState().connect(result.fingerprint)}>
          Accept this host key
        </button>
      </div>
    );
  }
  return (
    <div className="connected" data-testid="connected">
      <p>
        <strong>Connected to {result.target}.</strong>{" "}
        {result.checkpointFound ? (
          <span>The base checkpoint was found ({checkpointDir}/config.json).</span>
        ) : (
          <span className="error">No config.json under {checkpointDir ?? "the base checkpoint folder"} on the cluster: check the base checkpoint folder.</span>
        )}
      </p>
      <table className="table compact" aria-label="Partitions">
        <thead>
          <tr>
            <th scope="col">Partition</th>
            <th scope="col">Available</th>
            <th scope="col">Time limit</th>
            <th scope="col">Nodes</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {result.partitions.map((line, index) => {
            const [name = "", ...rest] = partitionColumns(line);
            return (
              <tr key={`${line}-${index}`} data-testid="partition">
                <th scope="row">{name.endsWith("*") ? `${name.slice(0, -1)} (default)` : name}</th>
                {[0, 1, 2, 3].map((column) => (
                  <td key={column}>{rest[column] ?? ""}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Submitting a run

type RecipeDraft = { epochs: string; maxSteps: string; learningRate: string; rank: string; alpha: string; maxLength: string; saveSteps: string; merge: string };

function recipeDraft(): RecipeDraft {
  const d = RECIPE_DEFAULTS;
  return { epochs: String(d.epochs), maxSteps: d.maxSteps === null ? "" : String(d.maxSteps), learningRate: String(d.learningRate), rank: String(d.rank), alpha: String(d.alpha), maxLength: String(d.maxLength), saveSteps: String(d.saveSteps), merge: d.merge ?? "" };
}

function SubmitForm() {
  const sets = useDatasets((state) => state.sets);
  const models = useModels((state) => state.models);
  const submitting = useFinetune((state) => state.submitting);
  const submitError = useFinetune((state) => state.submitError);
  const bases = models.filter((model) => !model.server && model.adapterPath === null);
  const [datasetName, setDatasetName] = useState("");
  const [baseId, setBaseId] = useState("");
  const [name, setName] = useState("");
  const [recipe, setRecipe] = useState(recipeDraft);
  const nameHelp = useId();
  const set = sets.find((one) => one.name === datasetName) ?? sets.at(-1);
  // The set's own base is chosen unless another is: its token counts are that model's.
  const setBase = set ? bases.find((model) => model.name === set.card.base_model.name) : undefined;
  const base = baseId === "" ? (setBase ?? bases[0]) : bases.find((model) => model.id === Number(baseId));
  const field = (key: keyof RecipeDraft, value: string) => setRecipe({ ...recipe, [key]: value });

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!set || !base) return;
    const ok = await useFinetune.getState().submit({
      dataset: set.name,
      baseModelId: base.id,
      ...(name.trim() === "" ? {} : { name: name.trim() }),
      recipe: {
        epochs: Number(recipe.epochs),
        maxSteps: recipe.maxSteps.trim() === "" ? null : Number(recipe.maxSteps),
        learningRate: Number(recipe.learningRate),
        rank: Number(recipe.rank),
        alpha: Number(recipe.alpha),
        maxLength: Number(recipe.maxLength),
        saveSteps: Number(recipe.saveSteps),
        merge: recipe.merge === "" ? null : (recipe.merge as Recipe["merge"]),
      },
    });
    if (ok) setName("");
  }

  const d = RECIPE_DEFAULTS;
  return (
    <form className="card" aria-labelledby="submit-heading" onSubmit={(event) => void submit(event)}>
      <h2 id="submit-heading">Train a fine-tune</h2>
      {sets.length === 0 ? (
        <p className="muted">No training set yet: build one on the Datasets screen first.</p>
      ) : (
        <>
          <div className="form-grid">
            <label>
              Training set
              <select value={set?.name ?? ""} onChange={(event) => setDatasetName(event.target.value)}>
                {sets.map((one) => (
                  <option key={one.name} value={one.name}>
                    {one.name} ({one.card.counts.train} train rows{one.origin === "contains-real" ? ", real letters" : ""})
                  </option>
                ))}
              </select>
            </label>
            <label>
              Base model
              <select value={base ? String(base.id) : ""} onChange={(event) => setBaseId(event.target.value)} required>
                {bases.length === 0 && <option value="">No base model registered</option>}
                {bases.map((model) => (
                  <option key={model.id} value={model.id}>
                    {model.name}
                    {set && model.name === set.card.base_model.name ? " (the set's base)" : ""}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Name in the model registry (optional)
              <input value={name} onChange={(event) => setName(event.target.value)} maxLength={80} placeholder={set && base ? `${base.name}-${set.name}` : ""} aria-describedby={nameHelp} pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" title="Letters, digits, dots, dashes and underscores" />
              <span id={nameHelp} className="muted small">
                Blank: base name and set name joined.
              </span>
            </label>
          </div>
          {set?.origin === "contains-real" && (
            <p className="note">
              <OriginBadge origin="contains-real" /> This set holds real patient letters: it goes only to the cluster set up above.
            </p>
          )}
          <fieldset className="form-grid">
            <legend>Recipe (QLoRA; defaults are the source recipe&apos;s)</legend>
            <label>
              Epochs (default {d.epochs})
              <input type="number" min={1} max={100} step={1} value={recipe.epochs} onChange={(event) => field("epochs", event.target.value)} required />
            </label>
            <label>
              Max steps (blank: the epochs decide)
              <input type="number" min={1} step={1} value={recipe.maxSteps} onChange={(event) => field("maxSteps", event.target.value)} />
            </label>
            <label>
              Learning rate (default {d.learningRate})
              <input type="number" min={0} max={1} step="any" value={recipe.learningRate} onChange={(event) => field("learningRate", event.target.value)} required />
            </label>
            <label>
              LoRA rank (default {d.rank})
              <input type="number" min={1} max={256} step={1} value={recipe.rank} onChange={(event) => field("rank", event.target.value)} required />
            </label>
            <label>
              LoRA alpha (default {d.alpha})
              <input type="number" min={1} max={1024} step="any" value={recipe.alpha} onChange={(event) => field("alpha", event.target.value)} required />
            </label>
            <label>
              Max length, tokens (default {d.maxLength})
              <input type="number" min={128} max={131072} step={1} value={recipe.maxLength} onChange={(event) => field("maxLength", event.target.value)} required />
            </label>
            <label>
              Save every N steps (default {d.saveSteps})
              <input type="number" min={1} step={1} value={recipe.saveSteps} onChange={(event) => field("saveSteps", event.target.value)} required />
            </label>
            <label>
              Also a merged model (default none)
              <select value={recipe.merge} onChange={(event) => field("merge", event.target.value)}>
                <option value="">none: the adapter alone</option>
                <option value="F16">F16</option>
                <option value="Q8_0">Q8_0</option>
                <option value="Q4_K_M">Q4_K_M</option>
              </select>
            </label>
            <div className="actions wide">
              <button type="button" onClick={() => setRecipe(recipeDraft())}>
                Restore the defaults
              </button>
            </div>
          </fieldset>
          <div className="actions">
            <button type="submit" className="primary" disabled={submitting || !set || !base}>
              {submitting ? "Submitting…" : "Submit to the cluster"}
            </button>
          </div>
        </>
      )}
      <div aria-live="polite">{submitting && <p role="status">Uploading the training bundle and the set, then submitting the job with sbatch…</p>}</div>
      {submitError && (
        <p role="alert" className="error" data-testid="submit-error">
          Not submitted: {submitError}
        </p>
      )}
    </form>
  );
}

// ---------------------------------------------------------------------------------------------
// Jobs

const lastLoss = (job: FinetuneStatus): string => {
  const last = job.loss.at(-1);
  return last ? `${formatLoss(last.loss)} (step ${last.step})` : "—";
};

const slurmWords = (job: FinetuneStatus): string => (job.slurmState === null ? "—" : `${job.slurmState}${job.slurmReason && job.slurmReason !== "None" ? ` (${job.slurmReason})` : ""}`);

function JobsTable() {
  const jobs = useFinetune((state) => state.jobs);
  const selected = useFinetune((state) => state.selectedJobId);
  if (jobs.length === 0) return <p className="muted">No fine-tuning run yet.</p>;
  return (
    <table className="table compact" aria-label="Fine-tuning runs">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Training set</th>
          <th scope="col">Slurm job</th>
          <th scope="col">State</th>
          <th scope="col">Slurm (last seen)</th>
          <th scope="col">Stage</th>
          <th scope="col">Last loss</th>
          <th scope="col">Submitted</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.jobId} className={job.jobId === selected ? "selected-row" : undefined} data-testid="finetune-row">
            <td>
              <button type="button" className="link" aria-pressed={job.jobId === selected} onClick={() => useFinetune.getState().select(job.jobId)}>
                {job.name}
              </button>
            </td>
            <td>{job.dataset}</td>
            <td>{job.slurmJobId ?? "—"}</td>
            <td>
              <span className={`badge job-${job.state}`}>{job.state}</span>
            </td>
            <td>{slurmWords(job)}</td>
            <td>{job.stage ?? "—"}</td>
            <td>{lastLoss(job)}</td>
            <td>{when(job.submittedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function LogTail({ text }: { text: string }) {
  const box = useRef<HTMLPreElement>(null);
  // The newest lines are the ones that matter: kept in view as lines arrive.
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [text]);
  return (
    <pre ref={box} className="log" tabIndex={0} aria-label="Training log, last lines" data-testid="log-tail">
      {text.trim() === "" ? "(nothing logged yet)" : text}
    </pre>
  );
}

function CancelButton({ job }: { job: FinetuneStatus }) {
  const [confirming, setConfirming] = useState(false);
  const cancelling = useFinetune((state) => state.cancelling);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);
  if (!confirming) {
    return (
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        Cancel run…
      </button>
    );
  }
  return (
    <div role="group" aria-label="Confirm cancelling" className="confirm">
      <span>
        Cancel “{job.name}”? {job.slurmJobId === null ? "It has not reached Slurm yet." : `Slurm job ${job.slurmJobId} is stopped with scancel.`} A cancelled run cannot be resumed.
      </span>
      <button
        ref={confirmRef}
        type="button"
        className="danger"
        disabled={cancelling}
        onClick={() =>
          void useFinetune
            .getState()
            .cancel(job.jobId)
            .then(() => setConfirming(false))
        }
      >
        {cancelling ? "Cancelling…" : "Yes, cancel the run"}
      </button>
      <button type="button" disabled={cancelling} onClick={() => setConfirming(false)}>
        Keep it running
      </button>
    </div>
  );
}

function JobDetail({ job }: { job: FinetuneStatus }) {
  const pollError = useFinetune((state) => state.pollError);
  const polledAt = useFinetune((state) => state.polledAt);
  const cancelError = useFinetune((state) => state.cancelError);
  const go = useNav((state) => state.go);
  const running = job.state === "running";
  return (
    <section className="card" aria-labelledby="job-heading" data-testid="finetune-job">
      <h2 id="job-heading">
        {job.name} <span className={`badge job-${job.state}`}>{job.state}</span>
      </h2>
      <p role="status" data-testid="job-status">
        {running ? `Slurm job ${job.slurmJobId ?? "(not submitted yet)"}: ${slurmWords(job)}; stage ${job.stage ?? "not started"}.` : `Run ${job.state}${job.slurmJobId === null ? "" : ` (Slurm job ${job.slurmJobId}, last seen ${slurmWords(job)})`}.`}
      </p>
      <dl className="stats">
        <div>
          <dt>Training set</dt>
          <dd>{job.dataset}</dd>
        </div>
        <div>
          <dt>Slurm job</dt>
          <dd>{job.slurmJobId ?? "—"}</dd>
        </div>
        <div>
          <dt>Stage</dt>
          <dd>{job.stage ?? "—"}</dd>
        </div>
        <div>
          <dt>Last loss</dt>
          <dd data-testid="last-loss">{lastLoss(job)}</dd>
        </div>
        <div>
          <dt>Submitted</dt>
          <dd>{when(job.submittedAt)}</dd>
        </div>
      </dl>
      {running && (
        <p className="muted">
          Looked at on the cluster every 10 seconds while this screen is open
          {polledAt ? `; last at ${new Date(polledAt).toLocaleTimeString("en-GB")}` : ""}.
        </p>
      )}
      {running && pollError && (
        <p className="note" data-testid="poll-error">
          Could not reach the cluster at {new Date(pollError.at).toLocaleTimeString("en-GB")}: {pollError.message}. Showing what was copied home so far; trying again in 10 seconds.
        </p>
      )}
      {job.message && job.state !== "running" && (
        <div className={job.state === "failed" ? "failure" : "note"} data-testid="job-message">
          <h3>{job.state === "failed" ? "Why it failed" : job.state === "cancelled" ? "Cancelled" : "Message"}</h3>
          <pre>{job.message}</pre>
        </div>
      )}
      {job.state === "done" && job.modelId !== null && (
        <p>
          <strong>Registered as a model.</strong>{" "}
          <button
            type="button"
            className="primary"
            onClick={() => {
              useModels.getState().focus(job.modelId);
              go("models");
            }}
          >
            Open “{job.name}” on the Models screen
          </button>
        </p>
      )}
      <h3>Training loss</h3>
      <LossChart points={job.loss.map((point) => [point.step, point.loss] as const)} />
      <h3>Log (last lines)</h3>
      <LogTail text={job.logTail} />
      {running && (
        <div className="actions">
          <CancelButton job={job} />
        </div>
      )}
      {cancelError && (
        <p role="alert" className="error">
          Not cancelled: {cancelError}
        </p>
      )}
    </section>
  );
}

/** Cluster settings, a run submitted to Slurm, and each run followed: state, loss, log, the fetched model. */
export function FinetunePage(): React.JSX.Element {
  const cluster = useFinetune((state) => state.cluster);
  const jobs = useFinetune((state) => state.jobs);
  const jobsLoaded = useFinetune((state) => state.jobsLoaded);
  const selected = useFinetune((state) => state.selectedJobId);
  useEffect(() => {
    const state = useFinetune.getState();
    state.setActive(true);
    void state.loadCluster();
    void state.loadJobs();
    void useDatasets.getState().load();
    void useModels.getState().load();
    return () => useFinetune.getState().setActive(false);
  }, []);
  const job = jobs.find((one) => one.jobId === selected);
  return (
    <div className="page">
      <section aria-labelledby="runs-heading">
        <h2 id="runs-heading">Runs</h2>
        {jobsLoaded ? <JobsTable /> : <p className="muted">Loading runs…</p>}
      </section>
      {job && <JobDetail job={job} />}
      <SubmitForm />
      <HostedFinetune />
      {cluster ? <ClusterForm saved={cluster} /> : <p className="muted">Loading the cluster settings…</p>}
    </div>
  );
}
