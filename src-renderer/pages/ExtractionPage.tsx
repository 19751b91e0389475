import { useEffect, useState } from "react";
import type { JobDetail } from "../../src-shared/api.ts";
import { formatEta } from "../formatEta.ts";
import { useJobs } from "../state/jobs.ts";
import { useModels } from "../state/models.ts";
import { useNav } from "../state/nav.ts";

function JobPanel({ job }: { job: JobDetail }) {
  const busy = useJobs((state) => state.busy);
  const control = useJobs((state) => state.control);
  const start = useJobs((state) => state.start);
  const models = useModels((state) => state.models);
  const openReview = useNav((state) => state.openReview);
  const finished = job.done + job.failed;
  const percent = job.total === 0 ? 100 : Math.round((finished / job.total) * 100);
  const modelId = models.find((model) => model.name === job.model)?.id;

  return (
    <section className="card" aria-label={`Job ${job.id}`}>
      <h2>
        Job {job.id} <span className={`badge job-${job.state}`} data-testid="job-state">{job.state}</span>
      </h2>
      <p className="muted">
        Model {job.model ?? "—"}
        {job.engine ? ` · ${job.engine}` : ""} · started {new Date(job.createdAt).toLocaleString("en-GB")}
      </p>
      <progress max={job.total} value={finished} aria-label="Letters finished" />
      <dl className="stats">
        <div>
          <dt>Done</dt>
          <dd data-testid="job-done">{job.done}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd data-testid="job-failed">{job.failed}</dd>
        </div>
        <div>
          <dt>Waiting</dt>
          <dd>{job.pending}</dd>
        </div>
        <div>
          <dt>Progress</dt>
          <dd>{percent}%</dd>
        </div>
        <div>
          <dt>Rate</dt>
          <dd>{job.rate === null ? "—" : `${job.rate.toFixed(1)} letters/min`}</dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd>{job.state === "running" ? formatEta(job.etaSeconds) : "—"}</dd>
        </div>
      </dl>
      {job.message && <p className="note">{job.message}</p>}
      <div className="actions">
        {job.state === "running" && (
          <button type="button" disabled={busy} onClick={() => void control("pause")}>
            Pause
          </button>
        )}
        {(job.state === "paused" || job.state === "interrupted") && (
          <button type="button" disabled={busy} onClick={() => void control("resume")}>
            Resume
          </button>
        )}
        {(job.state === "running" || job.state === "paused" || job.state === "interrupted") && (
          <button type="button" className="danger" disabled={busy} onClick={() => void control("cancel")}>
            Cancel
          </button>
        )}
        {job.failed > 0 && job.state !== "running" && modelId !== undefined && (
          <button type="button" disabled={busy} onClick={() => void start(modelId, true)}>
            Retry {job.failed} failed
          </button>
        )}
      </div>
      {job.errors.length > 0 && (
        <>
          <h3>Letters that failed</h3>
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">Letter</th>
                <th scope="col">Error</th>
                <th scope="col">Attempts</th>
              </tr>
            </thead>
            <tbody>
              {job.errors.map((error) => (
                <tr key={error.key}>
                  <td>
                    {error.letterId === null ? (
                      error.source
                    ) : (
                      <button type="button" className="link" title={error.source} onClick={() => openReview(error.letterId as number, null)}>
                        {error.source.split(/[\\/]/).pop()}
                      </button>
                    )}
                  </td>
                  <td>{error.error}</td>
                  <td>{error.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

export function ExtractionPage(): React.JSX.Element {
  const models = useModels((state) => state.models);
  const current = useJobs((state) => state.current);
  const jobs = useJobs((state) => state.jobs);
  const busy = useJobs((state) => state.busy);
  const start = useJobs((state) => state.start);
  const [modelId, setModelId] = useState<number | null>(null);
  const [retryFailed, setRetryFailed] = useState(false);

  useEffect(() => {
    void useModels.getState().load();
    void useJobs.getState().load();
  }, []);
  const chosen = modelId ?? models[0]?.id ?? null;
  const running = current?.state === "running";

  return (
    <div className="page">
      <section className="card" aria-label="Start extraction">
        <h2>Extract timelines</h2>
        <p className="muted">Every letter this model has not read yet is queued; the job survives a restart.</p>
        <div className="row">
          <label>
            Model
            <select value={chosen ?? ""} onChange={(event) => setModelId(Number(event.target.value))} disabled={models.length === 0}>
              {models.length === 0 && <option value="">No model registered (see Models)</option>}
              {models.map((model) => (
                <option key={model.id} value={model.id}>
                  {model.name}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={retryFailed} onChange={(event) => setRetryFailed(event.target.checked)} />
            Also retry letters that failed
          </label>
          <button type="button" className="primary" disabled={chosen === null || busy || running} onClick={() => chosen !== null && void start(chosen, retryFailed)}>
            Start extraction
          </button>
        </div>
      </section>
      {current ? <JobPanel job={current} /> : <p className="muted">No extraction has run yet.</p>}
      {jobs.length > 1 && (
        <section aria-label="Earlier jobs">
          <h2>Earlier jobs</h2>
          <table className="table compact">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">State</th>
                <th scope="col">Model</th>
                <th scope="col">Done</th>
                <th scope="col">Failed</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {jobs
                .filter((job) => job.id !== current?.id)
                .map((job) => (
                  <tr key={job.id}>
                    <td>{job.id}</td>
                    <td>{job.state}</td>
                    <td>{job.model ?? "—"}</td>
                    <td>
                      {job.done}/{job.total}
                    </td>
                    <td>{job.failed}</td>
                    <td>{new Date(job.updatedAt).toLocaleString("en-GB")}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
