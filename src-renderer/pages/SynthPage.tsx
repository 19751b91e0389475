import { useEffect } from "react";
import type { SynthJobView } from "../../src-shared/api.ts";
import { ApiKeys } from "../components/ApiKeys.tsx";
import { SynthGrid } from "../components/SynthGrid.tsx";
import { SynthResults, formatUsd } from "../components/SynthResults.tsx";
import { formatEta } from "../formatEta.ts";
import { useSynth } from "../state/synth.ts";

function Progress({ job }: { job: SynthJobView }) {
  const finished = job.done + job.failed;
  return (
    <div aria-label="Generation progress" role="group">
      <p>
        {job.jobId === null ? "Generation" : `Generation job ${job.jobId}`}{" "}
        <span className={`badge job-${job.state}`} data-testid="synth-state">
          {job.state}
        </span>
      </p>
      <progress max={Math.max(1, job.total)} value={finished} aria-label="Letters generated" />
      <dl className="stats">
        <div>
          <dt>Done</dt>
          <dd data-testid="synth-done">
            {job.done}/{job.total}
          </dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd data-testid="synth-failed">{job.failed}</dd>
        </div>
        <div>
          <dt>Cost so far</dt>
          <dd data-testid="synth-cost">
            {formatUsd(job.costUsd)}
            {job.budgetUsd === null ? " (no budget)" : ` of ${formatUsd(job.budgetUsd)}`}
          </dd>
        </div>
        <div>
          <dt>Time left</dt>
          <dd>{job.state === "running" ? formatEta(job.etaSeconds) : "—"}</dd>
        </div>
      </dl>
      {job.message && (
        <p className="note" data-testid="synth-message">
          {job.message}
        </p>
      )}
    </div>
  );
}

function RunPanel() {
  const rows = useSynth((state) => state.rows);
  const batch = useSynth((state) => state.batch);
  const budget = useSynth((state) => state.budget);
  const busy = useSynth((state) => state.busy);
  const current = useSynth((state) => state.status?.current ?? null);
  const { setRun, generate, stop } = useSynth.getState();
  const running = current?.state === "running";

  return (
    <section className="card" aria-labelledby="synth-run-heading">
      <h2 id="synth-run-heading">Run</h2>
      <div className="row">
        <label className="check">
          <input type="checkbox" checked={batch} onChange={(event) => setRun({ batch: event.target.checked })} />
          Batch API (half price, slower: results can take hours)
        </label>
        <label>
          Budget (USD)
          <input type="number" min={0.01} step={0.5} value={budget} onChange={(event) => setRun({ budget: event.target.value })} className="num-input" placeholder="none" />
        </label>
        <button type="button" className="primary" disabled={rows.length === 0 || busy || running} onClick={() => void generate()}>
          Generate {rows.length > 0 ? `${rows.length} letters` : ""}
        </button>
        <button type="button" className="danger" disabled={!running || busy} onClick={() => void stop()}>
          Stop
        </button>
      </div>
      <p className="muted">The same grid again goes on where it stopped: rows that already have a letter are not sent twice.</p>
      {current ? <Progress job={current} /> : <p className="muted">No generation has run in this session.</p>}
    </section>
  );
}

export function SynthPage(): React.JSX.Element {
  useEffect(() => {
    void useSynth.getState().refresh();
  }, []);
  return (
    <div className="page synth-page">
      <ApiKeys />
      <SynthGrid />
      <RunPanel />
      <SynthResults />
    </div>
  );
}
