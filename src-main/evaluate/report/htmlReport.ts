/**
 * The evaluation as one self-contained HTML file: the figures as tables, the charts inline as SVG
 * (charts.ts), each letter's misses named; no script, no stylesheet or font fetched, and a
 * Content-Security-Policy that forbids fetching anything, so it opens the same on a workstation
 * with no network and can be attached to a paper's supplement.
 */
import type { PairedFigure, Prf, QaComparison, QaReport, TimelineComparison, TimelineReport } from "../../../src-shared/api.ts";
import { forestPlot, intervalChart, type IntervalRow } from "./charts.ts";

export type ScoredModel<R> = { name: string; report: R };

const figure = (value: number | null | undefined): string => (value === null || value === undefined || Number.isNaN(value) ? "—" : value.toFixed(3));
const interval = (ci: [number, number] | null | undefined): string => (ci ? ` <span class="ci">[${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]</span>` : "");

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function page(title: string, subtitle: string, body: string): string {
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

const forestRows = (rows: [string, PairedFigure][]): IntervalRow[] =>
  rows.filter(([, paired]) => paired.difference !== null).map(([name, paired]) => ({ figure: name, value: paired.difference as number, ...(paired.difference_ci ? { low: paired.difference_ci[0], high: paired.difference_ci[1] } : {}) }));

export async function timelineReportHtml(input: { title: string; gold: string; models: ScoredModel<TimelineReport>[]; comparison?: TimelineComparison }): Promise<string> {
  const sections = Object.keys(input.models[0]?.report.strict.by_section ?? {});
  const parts: string[] = [];
  const chartRows: IntervalRow[] = input.models.flatMap(({ name, report }) =>
    ["overall", ...sections].map((section) => {
      const prf = section === "overall" ? report.strict.overall : report.strict.by_section[section];
      return { figure: section, series: name, value: prf?.f1 ?? 0, ...(prf?.f1_ci ? { low: prf.f1_ci[0], high: prf.f1_ci[1] } : {}) };
    }),
  );
  const charts = [await intervalChart(chartRows, "Strict F1 by section", "F1 (95% bootstrap interval over letters)")];
  if (input.comparison) {
    const rows: [string, PairedFigure][] = [["strict overall", input.comparison.strict.overall], ...Object.entries(input.comparison.strict.by_section).map(([section, paired]) => [`strict ${section}`, paired] as [string, PairedFigure]), ["relaxed overall", input.comparison.relaxed.overall]];
    charts.push(await forestPlot(forestRows(rows), `${input.comparison.models.a} − ${input.comparison.models.b}: F1`, "difference in F1 (95% paired-bootstrap interval)"));
    parts.push(`<h2>${escapeHtml(input.comparison.models.a)} against ${escapeHtml(input.comparison.models.b)}</h2>${pairedRows(rows, input.comparison.models)}<p class="sub">Paired bootstrap: ${input.comparison.bootstrap.resamples} resamples of letters, the same for both models.</p>`);
  }
  parts.unshift(`<div class="charts">${charts.map((svg) => `<figure>${svg}</figure>`).join("")}</div>`);
  for (const { name, report } of input.models) {
    const header = "<tr><th></th><th>tp</th><th>fp</th><th>fn</th><th>precision</th><th>recall</th><th>F1</th></tr>";
    const table = (mode: "strict" | "relaxed") =>
      `<h3>${mode}</h3><table>${header}${prfRow("overall", report[mode].overall)}${sections.map((section) => prfRow(section, report[mode].by_section[section])).join("")}</table>
      <p class="sub">Macro F1 over letters: ${figure(report[mode].macro_f1)}.</p>`;
    const fields = `<h3>primary cancer fields (strict)</h3><table>${"<tr><th></th><th>tp</th><th>fp</th><th>fn</th><th>precision</th><th>recall</th><th>F1</th></tr>"}${Object.entries(report.strict.by_field).map(([field, prf]) => prfRow(field, prf)).join("")}</table>`;
    const types = `<h3>by event type (strict)</h3><table>${"<tr><th></th><th>tp</th><th>fp</th><th>fn</th><th>precision</th><th>recall</th><th>F1</th></tr>"}${Object.entries(report.strict.by_type).map(([type, prf]) => prfRow(type, prf)).join("")}</table>`;
    const letters = report.by_letter
      .map(
        (letter) =>
          `<details><summary>${escapeHtml(letter.name)}: tp ${letter.strict.tp}, fp ${letter.strict.fp}, fn ${letter.strict.fn}${letter.problem ? ` — ${escapeHtml(letter.problem)}` : ""}</summary><ul>${letter.misses
            .map((miss) => (miss.predicted === null ? `<li class="miss">missed ${escapeHtml(miss.section)} ${escapeHtml(miss.type)}: ${escapeHtml(miss.gold ?? "")}</li>` : miss.gold === null ? `<li class="fp">not in the gold: ${escapeHtml(miss.section)} ${escapeHtml(miss.type)}: ${escapeHtml(miss.predicted)}</li>` : `<li class="miss">${escapeHtml(miss.type)}: gold ${escapeHtml(miss.gold)}, predicted ${escapeHtml(miss.predicted)}</li>`))
            .join("")}${letter.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join("")}</ul></details>`,
      )
      .join("");
    parts.push(`<h2>${escapeHtml(name)}</h2><p class="sub">${report.letters} letters; prediction JSON valid for ${report.json_validity.valid} (${(report.json_validity.rate * 100).toFixed(1)}%). Relaxed: text at a token-sort ratio of ${report.relaxed_similarity} or more, dates to the year.</p>${table("strict")}${table("relaxed")}${fields}${types}<h3>letters</h3>${letters}`);
  }
  return page(input.title, `Gold: ${input.gold}. Strict: normalised values equal, list items matched one-to-one by type, value and date where the gold gives one.`, parts.join("\n"));
}

export async function qaReportHtml(input: { title: string; gold: string; models: ScoredModel<QaReport>[]; comparison?: QaComparison }): Promise<string> {
  const metrics = ["accuracy", "balanced_accuracy", "macro_f1", "micro_f1"] as const;
  const parts: string[] = [];
  const groups = (report: QaReport) => [...Object.entries(report.by_kind), ["overall", report.overall] as const];
  const charts = [
    await intervalChart(
      input.models.flatMap(({ name, report }) => groups(report).map(([kind, scores]) => ({ figure: kind, series: name, value: scores?.balanced_accuracy ?? 0, ...(scores?.balanced_accuracy_ci ? { low: scores.balanced_accuracy_ci[0], high: scores.balanced_accuracy_ci[1] } : {}) }))),
      "Balanced accuracy by question kind",
      "balanced accuracy (95% bootstrap interval over notes)",
    ),
  ];
  if (input.comparison) {
    const rows: [string, PairedFigure][] = [...Object.entries(input.comparison.by_kind).map(([kind, scores]) => [`${kind} balanced accuracy`, scores.balanced_accuracy] as [string, PairedFigure]), ["overall balanced accuracy", input.comparison.overall.balanced_accuracy], ["overall micro-F1", input.comparison.overall.micro_f1]];
    charts.push(await forestPlot(forestRows(rows), `${input.comparison.models.a} − ${input.comparison.models.b}`, "difference (95% paired-bootstrap interval)"));
    parts.push(`<h2>${escapeHtml(input.comparison.models.a)} against ${escapeHtml(input.comparison.models.b)}</h2>${pairedRows(rows, input.comparison.models)}`);
  }
  parts.unshift(`<div class="charts">${charts.map((svg) => `<figure>${svg}</figure>`).join("")}</div>`);
  for (const { name, report } of input.models) {
    parts.push(
      `<h2>${escapeHtml(name)}</h2><table><tr><th>kind</th><th>n</th>${metrics.map((metric) => `<th>${metric.replace("_", " ")}</th>`).join("")}<th>invalid</th></tr>${groups(report)
        .map(([kind, scores]) => `<tr><td>${escapeHtml(kind)}</td><td>${scores?.n ?? 0}</td>${metrics.map((metric) => `<td>${figure(scores?.[metric])}${interval(scores?.[`${metric}_ci`])}</td>`).join("")}<td>${scores?.invalid_predictions ?? 0}</td></tr>`)
        .join("")}</table><p class="sub">${report.missing_predictions} gold item(s) without a prediction, scored as invalid answers.</p>`,
    );
  }
  return page(input.title, `Gold: ${input.gold}. Answers read as the distillation study did; an unreadable answer is always wrong.`, parts.join("\n"));
}
