import { useState, type FormEvent } from "react";
import type { CohortReport, EvaluationView, Prf, QaReport, TimelineReport } from "../../src-shared/api.ts";
import { qaHeadline, timelineHeadline, type NamedFigure } from "../../src-shared/comparisonFigures.ts";
import { call, errorMessage } from "../api.ts";
import { GoldSetPicker } from "./GoldSetPicker.tsx";
import { TrainingCurveSection } from "./TrainingCurveSection.tsx";

const figure = (value: number | null | undefined): string => (value === null || value === undefined || Number.isNaN(value) ? "—" : value.toFixed(3));
const interval = (ci: [number, number] | null | undefined): string => (ci ? ` [${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]` : "");

/**
 * Scores one model's predictions, or compares two, against a gold set: a QA file, or a folder of
 * timeline documents or of n2c2 files. The figures come with their bootstrap intervals, the
 * charts are drawn in the main process (static SVG), and each letter's misses can be opened.
 * Below, registered fine-tunes of one base against the same gold: the metric over training-set size.
 */
export function EvaluationPage(): React.JSX.Element {
  const [gold, setGold] = useState("");
  const [predA, setPredA] = useState("");
  const [nameA, setNameA] = useState("A");
  const [predB, setPredB] = useState("");
  const [nameB, setNameB] = useState("B");
  const [resamples, setResamples] = useState(1000);
  const [running, setRunning] = useState(false);
  const [view, setView] = useState<EvaluationView | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function score(event: FormEvent) {
    event.preventDefault();
    setRunning(true);
    setError(null);
    try {
      const two = predB.trim() !== "";
      setView(await call("eval.evaluate", { goldPath: gold, predPaths: two ? [predA, predB] : [predA], names: two ? [nameA, nameB] : [nameA], resamples }));
    } catch (e) {
      setView(null);
      setError(errorMessage(e));
    } finally {
      setRunning(false);
    }
  }

  return (
    <div className="page">
      <GoldSetPicker
        goldPath={gold}
        onPick={setGold}
        onPredictions={(path, model) => {
          setPredA(path);
          setNameA(model.slice(0, 80));
        }}
      />
      <form className="card form-grid" aria-label="Evaluate" onSubmit={(event) => void score(event)}>
        <label className="wide">
          Gold path (a QA .jsonl file, or a folder of timeline .json or n2c2 .xml files)
          <input value={gold} onChange={(event) => setGold(event.target.value)} required />
        </label>
        <label>
          Model A predictions
          <input value={predA} onChange={(event) => setPredA(event.target.value)} required />
        </label>
        <label>
          Model A name
          <input value={nameA} onChange={(event) => setNameA(event.target.value)} required maxLength={80} />
        </label>
        <label>
          Model B predictions (optional, to compare)
          <input value={predB} onChange={(event) => setPredB(event.target.value)} />
        </label>
        <label>
          Model B name
          <input value={nameB} onChange={(event) => setNameB(event.target.value)} maxLength={80} />
        </label>
        <label>
          Bootstrap resamples
          <input type="number" min={100} max={100000} value={resamples} onChange={(event) => setResamples(Number(event.target.value))} />
        </label>
        <div className="actions wide">
          <button type="submit" className="primary" disabled={running || !gold || !predA}>
            {running ? "Scoring…" : "Score"}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {error && <p className="error">{error}</p>}
        {view && <Results view={view} />}
      </div>
      <TrainingCurveSection gold={gold} resamples={resamples} />
    </div>
  );
}

function Results({ view }: { view: EvaluationView }): React.JSX.Element {
  return (
    <section className="card" aria-label="Evaluation results" data-testid="evaluation-results">
      {view.charts.map((chart) => (
        // The SVG is drawn by Vega in the main process from the figures: no script, nothing fetched.
        <figure key={chart.title} aria-label={chart.title} className="chart" dangerouslySetInnerHTML={{ __html: chart.svg }} />
      ))}
      {view.kind === "timeline" && view.comparison && <Paired title={`${view.comparison.models.a} − ${view.comparison.models.b}: F1`} rows={timelineHeadline(view.comparison)} names={view.comparison.models} />}
      {view.kind === "qa" && view.comparison && <Paired title={`${view.comparison.models.a} − ${view.comparison.models.b}`} rows={qaHeadline(view.comparison)} names={view.comparison.models} />}
      {view.kind === "timeline" && view.models.map((model) => <TimelineModel key={model.name} name={model.name} report={model.report} />)}
      {view.kind === "qa" && view.models.map((model) => <QaModel key={model.name} name={model.name} report={model.report} />)}
      {view.kind === "cohort" && view.models.map((model) => <CohortModel key={model.name} name={model.name} report={model.report} />)}
    </section>
  );
}

function Paired({ title, rows, names }: { title: string; rows: NamedFigure[]; names: { a: string; b: string } }): React.JSX.Element {
  return (
    <table className="table compact" aria-label={title} data-testid="comparison">
      <thead>
        <tr>
          <th scope="col">{title}</th>
          <th scope="col">{names.a}</th>
          <th scope="col">{names.b}</th>
          <th scope="col">A − B [95% CI]</th>
          <th scope="col">sign changes</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, paired]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>{figure(paired.a)}</td>
            <td>{figure(paired.b)}</td>
            <td>{figure(paired.difference) + interval(paired.difference_ci)}</td>
            <td>{paired.sign_change_share === null ? "—" : `${(paired.sign_change_share * 100).toFixed(1)}%`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PrfRow({ name, prf }: { name: string; prf: Prf | undefined }): React.JSX.Element {
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>{prf?.tp ?? "—"}</td>
      <td>{prf?.fp ?? "—"}</td>
      <td>{prf?.fn ?? "—"}</td>
      <td>{figure(prf?.precision)}</td>
      <td>{figure(prf?.recall)}</td>
      <td>{figure(prf?.f1) + interval(prf?.f1_ci)}</td>
    </tr>
  );
}

function TimelineModel({ name, report }: { name: string; report: TimelineReport }): React.JSX.Element {
  const sections = Object.keys(report.strict.by_section);
  return (
    <>
      <h2>{name}</h2>
      <p className="muted">
        {report.letters} letters; prediction JSON valid for {report.json_validity.valid} ({(report.json_validity.rate * 100).toFixed(1)}%). Macro F1 over letters: strict {figure(report.strict.macro_f1)}, relaxed {figure(report.relaxed.macro_f1)}. Date accuracy on matched events: year{" "}
        {figure(report.date_accuracy.year_accuracy)} ({report.date_accuracy.events_with_year}), year and month {figure(report.date_accuracy.month_accuracy)} ({report.date_accuracy.events_with_month}).
      </p>
      {(["strict", "relaxed"] as const).map((mode) => (
        <table key={mode} className="table compact" aria-label={`${name}, ${mode}`}>
          <thead>
            <tr>
              <th scope="col">{mode}</th>
              <th scope="col">tp</th>
              <th scope="col">fp</th>
              <th scope="col">fn</th>
              <th scope="col">precision</th>
              <th scope="col">recall</th>
              <th scope="col">F1</th>
            </tr>
          </thead>
          <tbody>
            <PrfRow name="overall" prf={report[mode].overall} />
            {sections.map((section) => (
              <PrfRow key={section} name={section} prf={report[mode].by_section[section]} />
            ))}
          </tbody>
        </table>
      ))}
      <h3>Letters</h3>
      {report.by_letter.map((letter) => (
        <details key={letter.name}>
          <summary>
            {letter.name}: tp {letter.strict.tp}, fp {letter.strict.fp}, fn {letter.strict.fn}
            {letter.problem ? ` — ${letter.problem}` : ""}
          </summary>
          <ul>
            {letter.misses.map((miss, index) => (
              <li key={index}>{miss.predicted === null ? `missed ${miss.section} ${miss.type}: ${miss.gold ?? ""}` : miss.gold === null ? `not in the gold: ${miss.section} ${miss.type}: ${miss.predicted}` : `${miss.type}: gold ${miss.gold}, predicted ${miss.predicted}`}</li>
            ))}
          </ul>
        </details>
      ))}
    </>
  );
}

function QaModel({ name, report }: { name: string; report: QaReport }): React.JSX.Element {
  const metrics = ["accuracy", "balanced_accuracy", "macro_f1", "micro_f1"] as const;
  return (
    <>
      <h2>{name}</h2>
      <table className="table compact" aria-label={name}>
        <thead>
          <tr>
            <th scope="col">kind</th>
            <th scope="col">n</th>
            {metrics.map((metric) => (
              <th key={metric} scope="col">
                {metric.replace("_", " ")}
              </th>
            ))}
            <th scope="col">invalid</th>
          </tr>
        </thead>
        <tbody>
          {[...Object.entries(report.by_kind), ["overall", report.overall] as const].map(([kind, scores]) => (
            <tr key={kind}>
              <th scope="row">{kind}</th>
              <td>{scores?.n}</td>
              {metrics.map((metric) => (
                <td key={metric}>{figure(scores?.[metric]) + interval(scores?.[`${metric}_ci`])}</td>
              ))}
              <td>{scores?.invalid_predictions}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function CohortModel({ name, report }: { name: string; report: CohortReport }): React.JSX.Element {
  return (
    <>
      <h2>{name}</h2>
      <p>
        Mean over the criteria (the distillation study&apos;s figure): balanced accuracy {figure(report.mean_over_criteria.balanced_accuracy)}, micro-F1 {figure(report.mean_over_criteria.micro_f1)}. n2c2 overall micro-F1 (pooled, F1 of met and not met averaged):{" "}
        {figure(report.n2c2_overall.micro_f1)}.
      </p>
      <table className="table compact" aria-label={name}>
        <thead>
          <tr>
            <th scope="col">criterion</th>
            <th scope="col">accuracy</th>
            <th scope="col">balanced accuracy</th>
            <th scope="col">micro-F1</th>
            <th scope="col">F1 of met</th>
            <th scope="col">invalid</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(report.by_criterion).map(([criterion, scores]) => (
            <tr key={criterion}>
              <th scope="row">{criterion}</th>
              <td>{figure(scores.accuracy)}</td>
              <td>{figure(scores.balanced_accuracy)}</td>
              <td>{figure(scores.micro_f1)}</td>
              <td>{figure(scores.f1_met)}</td>
              <td>{scores.invalid_predictions}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
