/**
 * The evaluation (evaluation.ts's view) as one self-contained HTML file: the figures as tables,
 * the charts inline as SVG (charts.ts), each letter's misses named; no script, no stylesheet or font fetched, and a
 * Content-Security-Policy that forbids fetching anything, so it opens the same on a workstation
 * with no network and can be attached to a paper's supplement.
 */
import { timelineHeadline, type NamedFigure } from "../../../src-shared/comparisonFigures.ts";
import type { CohortReport, EvaluationView, PairedFigure, Prf, QaComparison, QaReport, TimelineComparison, TimelineReport, TrainingCurve } from "../../../src-shared/api.ts";

const figure = (value: number | null | undefined): string => (value === null || value === undefined || Number.isNaN(value) ? "—" : value.toFixed(3));
const interval = (ci: [number, number] | null | undefined): string => (ci ? ` <span class="ci">[${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]</span>` : "");

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export function page(title: string, subtitle: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 68rem; padding: 0 1rem; color: #1b1b1b; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
.sub { color: #555; margin-top: 0; } table { border-collapse: collapse; margin: .6rem 0; }
th, td { padding: .25rem .6rem; text-align: right; border-bottom: 1px solid #eee; } th:first-child, td:first-child { text-align: left; }
.ci { color: #666; font-size: .85em; } .charts { display: flex; flex-wrap: wrap; gap: 1.5rem; } figure { margin: 0; }
details { margin: .2rem 0; } .miss { color: #8a1c1c; } .fp { color: #7a4b00; }
</style></head><body>
<h1>${escapeHtml(title)}</h1><p class="sub">${escapeHtml(subtitle)}</p>
${body}
</body></html>
`;
}

function prfRow(name: string, prf: Prf | undefined): string {
  if (!prf) return `<tr><td>${escapeHtml(name)}</td><td colspan="6">—</td></tr>`;
  return `<tr><td>${escapeHtml(name)}</td><td>${prf.tp}</td><td>${prf.fp}</td><td>${prf.fn}</td><td>${figure(prf.precision)}</td><td>${figure(prf.recall)}</td><td>${figure(prf.f1)}${interval(prf.f1_ci)}</td></tr>`;
}

function pairedRows(rows: [string, PairedFigure][], models: { a: string; b: string }): string {
  return `<table><tr><th></th><th>${escapeHtml(models.a)}</th><th>${escapeHtml(models.b)}</th><th>A − B [95% CI]</th><th>sign changes</th></tr>${rows
    .map(
      ([name, paired]) =>
        `<tr><td>${escapeHtml(name)}</td><td>${figure(paired.a)}</td><td>${figure(paired.b)}</td><td>${figure(paired.difference)}${interval(paired.difference_ci)}</td><td>${paired.sign_change_share === null ? "—" : `${(paired.sign_change_share * 100).toFixed(1)}%`}</td></tr>`,
    )
    .join("")}</table>`;
}

export function reportHtml(view: EvaluationView, title: string): string {
  const charts = view.charts.length === 0 ? "" : `<div class="charts">${view.charts.map((chart) => `<figure aria-label="${escapeHtml(chart.title)}">${chart.svg}</figure>`).join("")}</div>`;
  if (view.kind === "timeline") {
    const body = [charts, view.comparison ? timelineComparison(view.comparison) : "", ...view.models.map(({ name, report }) => timelineModel(name, report))].join("\n");
    return page(title, `Gold: ${view.gold}. Strict: normalised values equal, list items matched one-to-one by type, value and date where the gold gives one.`, body);
  }
  if (view.kind === "qa") {
    const body = [charts, view.comparison ? qaComparison(view.comparison) : "", ...view.models.map(({ name, report }) => qaModel(name, report))].join("\n");
    return page(title, `Gold: ${view.gold}. Answers read as the distillation study did; an unreadable answer is always wrong.`, body);
  }
  return page(title, `Gold: ${view.gold} (n2c2 2018 track 1 format).`, view.models.map(({ name, report }) => cohortModel(name, report)).join("\n"));
}

const PRF_HEADER = "<tr><th></th><th>tp</th><th>fp</th><th>fn</th><th>precision</th><th>recall</th><th>F1</th></tr>";

function timelineComparison(comparison: TimelineComparison): string {
  // The headline figures, and the report also gives every relaxed section.
  const rows: NamedFigure[] = [...timelineHeadline(comparison), ...Object.entries(comparison.relaxed.by_section).map(([section, paired]): NamedFigure => [`relaxed ${section}`, paired])];
  return `<h2>${escapeHtml(comparison.models.a)} against ${escapeHtml(comparison.models.b)}: F1</h2>${pairedRows(rows, comparison.models)}<p class="sub">Paired bootstrap: ${comparison.bootstrap.resamples} resamples of letters, the same for both models.</p>`;
}

function timelineModel(name: string, report: TimelineReport): string {
  const sections = Object.keys(report.strict.by_section);
  const table = (mode: "strict" | "relaxed") =>
    `<h3>${mode}</h3><table>${PRF_HEADER}${prfRow("overall", report[mode].overall)}${sections.map((section) => prfRow(section, report[mode].by_section[section])).join("")}</table><p class="sub">Macro F1 over letters: ${figure(report[mode].macro_f1)}.</p>`;
  const fields = `<h3>primary cancer fields (strict)</h3><table>${PRF_HEADER}${Object.entries(report.strict.by_field).map(([field, prf]) => prfRow(field, prf)).join("")}</table>`;
  const types = `<h3>by item type (strict)</h3><table>${PRF_HEADER}${Object.entries(report.strict.by_type).map(([type, prf]) => prfRow(type, prf)).join("")}</table>`;
  const letters = report.by_letter
    .map(
      (letter) =>
        `<details><summary>${escapeHtml(letter.name)}: tp ${letter.strict.tp}, fp ${letter.strict.fp}, fn ${letter.strict.fn}${letter.problem ? ` — ${escapeHtml(letter.problem)}` : ""}</summary><ul>${letter.misses
          .map((miss) =>
            miss.predicted === null
              ? `<li class="miss">missed ${escapeHtml(miss.section)} ${escapeHtml(miss.type)}: ${escapeHtml(miss.gold ?? "")}</li>`
              : miss.gold === null
                ? `<li class="fp">not in the gold: ${escapeHtml(miss.section)} ${escapeHtml(miss.type)}: ${escapeHtml(miss.predicted)}</li>`
                : `<li class="miss">${escapeHtml(miss.type)}: gold ${escapeHtml(miss.gold)}, predicted ${escapeHtml(miss.predicted)}</li>`,
          )
          .join("")}${letter.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join("")}</ul></details>`,
    )
    .join("");
  return `<h2>${escapeHtml(name)}</h2><p class="sub">${report.letters} letters; prediction JSON valid for ${report.json_validity.valid} (${(report.json_validity.rate * 100).toFixed(1)}%). Relaxed: text at a token-sort ratio of ${report.relaxed_similarity} or more, dates to the year. Date accuracy on events matched by type and text: year ${figure(report.date_accuracy.year_accuracy)} (${report.date_accuracy.events_with_year} events), year and month ${figure(report.date_accuracy.month_accuracy)} (${report.date_accuracy.events_with_month}).</p>${table("strict")}${table("relaxed")}${fields}${types}<h3>letters</h3>${letters}`;
}

const QA_METRICS = ["accuracy", "balanced_accuracy", "macro_f1", "micro_f1"] as const;

function qaComparison(comparison: QaComparison): string {
  const rows: [string, PairedFigure][] = [...Object.entries(comparison.by_kind), ["overall", comparison.overall] as const].flatMap(([kind, metrics]) =>
    QA_METRICS.map((metric) => [`${kind} ${metric.replace("_", " ")}`, (metrics as Record<string, PairedFigure>)[metric] as PairedFigure] as [string, PairedFigure]),
  );
  return `<h2>${escapeHtml(comparison.models.a)} against ${escapeHtml(comparison.models.b)}</h2>${pairedRows(rows, comparison.models)}<p class="sub">Paired bootstrap: ${comparison.bootstrap.resamples} resamples of notes, the same for both models.</p>`;
}

function qaModel(name: string, report: QaReport): string {
  const groups = [...Object.entries(report.by_kind), ["overall", report.overall] as const];
  return `<h2>${escapeHtml(name)}</h2><table><tr><th>kind</th><th>n</th>${QA_METRICS.map((metric) => `<th>${metric.replace("_", " ")}</th>`).join("")}<th>invalid</th></tr>${groups
    .map(([kind, scores]) => `<tr><td>${escapeHtml(kind)}</td><td>${scores?.n ?? 0}</td>${QA_METRICS.map((metric) => `<td>${figure(scores?.[metric])}${interval(scores?.[`${metric}_ci`])}</td>`).join("")}<td>${scores?.invalid_predictions ?? 0}</td></tr>`)
    .join("")}</table><p class="sub">${report.missing_predictions} gold item(s) without a prediction, scored as invalid answers.</p>`;
}

function cohortModel(name: string, report: CohortReport): string {
  const rows = Object.entries(report.by_criterion)
    .map(([criterion, scores]) => `<tr><td>${escapeHtml(criterion)}</td><td>${scores.n}</td><td>${figure(scores.accuracy)}</td><td>${figure(scores.balanced_accuracy)}</td><td>${figure(scores.micro_f1)}</td><td>${figure(scores.f1_met)}</td><td>${scores.invalid_predictions}</td></tr>`)
    .join("");
  return `<h2>${escapeHtml(name)}</h2><p class="sub">${report.patients} patients.</p><table><tr><th>criterion</th><th>n</th><th>accuracy</th><th>balanced accuracy</th><th>micro-F1</th><th>F1 of met</th><th>invalid</th></tr>${rows}</table>
<p>Mean over the criteria (the distillation study's figure): balanced accuracy ${figure(report.mean_over_criteria.balanced_accuracy)}, micro-F1 ${figure(report.mean_over_criteria.micro_f1)}.</p>
<p>n2c2 overall micro-F1 (counts pooled over criteria and patients, F1 of met and not met averaged): ${figure(report.n2c2_overall.micro_f1)}.</p>`;
}

/** The curve over training-set size (curve/trainingCurve.ts) as a page of its own: the chart, its points as a table, and the runs left off it with why. */
export function curveHtml(curve: TrainingCurve, title: string): string {
  const points = `<table><tr><th>model</th><th>training rows</th><th>metric</th><th>value [95% CI]</th></tr>${curve.points
    .map((point) => `<tr><td>${escapeHtml(point.model)}</td><td>${point.training_rows}</td><td>${escapeHtml(point.metric)}</td><td>${figure(point.value)}${interval(point.ci)}</td></tr>`)
    .join("")}</table>`;
  const refused = curve.refused.length === 0 ? "" : `<h2>Left off the curve</h2><ul>${curve.refused.map((run) => `<li class="miss">${escapeHtml(run.model)}${run.predPath ? ` (${escapeHtml(run.predPath)})` : ""}: ${escapeHtml(run.reason)}</li>`).join("")}</ul>`;
  const body = `<div class="charts"><figure aria-label="${escapeHtml(curve.chart.title)}">${curve.chart.svg}</figure></div>${points}<p class="sub">Bootstrap: ${curve.bootstrap.resamples} resamples (seed ${curve.bootstrap.seed}) of ${curve.kind === "timeline" ? "letters" : "notes"}, each model apart.</p>${refused}`;
  return page(title, `Gold: ${curve.gold}. Fine-tunes of ${curve.base.name} (fingerprint ${curve.base.fingerprint}), each at the rows of its training set's train.jsonl; the base itself at 0.`, body);
}
