/**
 * The evaluation's charts, drawn by Vega-Lite (a maintained grammar of graphics) into static SVG
 * in Node: no script, no network, the same picture in the HTML report and on the screen.
 * Each takes figures and returns an SVG string.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

const FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif";
const CONFIG = { font: FONT, view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 }, legend: { labelFontSize: 11, titleFontSize: 12 } };

export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A point estimate with its interval, one row per figure (and series, when several share the chart). */
export type IntervalRow = { figure: string; series?: string; value: number; low?: number; high?: number };

/** Points with interval bars on a 0-1 scale: per-section F1, per-kind QA metrics. */
export function intervalChart(rows: readonly IntervalRow[], title: string, axisTitle: string): Promise<string> {
  const series = rows.some((row) => row.series !== undefined);
  const y = { field: "figure", type: "nominal" as const, sort: null, title: null };
  const color = series ? { color: { field: "series", type: "nominal" as const, title: null } } : {};
  const offset = series ? { yOffset: { field: "series", type: "nominal" as const } } : {};
  return toSvg({
    title,
    width: 420,
    height: { step: series ? 26 : 18 },
    data: { values: rows.map((row) => ({ ...row, series: row.series ?? "" })) },
    layer: [
      { mark: { type: "rule", strokeWidth: 2 }, encoding: { y, ...offset, x: { field: "low", type: "quantitative", scale: { domain: [0, 1] }, title: axisTitle }, x2: { field: "high" }, ...color } },
      { mark: { type: "point", filled: true, size: 60 }, encoding: { y, ...offset, x: { field: "value", type: "quantitative" }, ...color, tooltip: [{ field: "value", format: ".3f" }] } },
    ],
  });
}

/** A forest plot: model A − model B per figure with its paired-bootstrap interval, and the line of no difference. */
export function forestPlot(rows: readonly IntervalRow[], title: string, axisTitle: string): Promise<string> {
  const y = { field: "figure", type: "nominal" as const, sort: null, title: null };
  return toSvg({
    title,
    width: 420,
    height: { step: 20 },
    data: { values: rows },
    layer: [
      { mark: { type: "rule", color: "#888", strokeDash: [4, 3] }, data: { values: [{ zero: 0 }] }, encoding: { x: { field: "zero", type: "quantitative" } } },
      { mark: { type: "rule", strokeWidth: 2, color: "#1f5fa8" }, encoding: { y, x: { field: "low", type: "quantitative", title: axisTitle }, x2: { field: "high" } } },
      { mark: { type: "square", size: 70, color: "#1f5fa8" }, encoding: { y, x: { field: "value", type: "quantitative" } } },
    ],
  });
}

/** A confusion matrix as a heatmap: `rows` (gold) down, `columns` (predicted) across, each cell's count written in it. */
export function confusionHeatmap(matrix: { rows: readonly string[]; columns: readonly string[]; counts: (row: string, column: string) => number }, title: string, axes: { rows: string; columns: string }): Promise<string> {
  const cells = matrix.rows.flatMap((row) => matrix.columns.map((column) => ({ row, column, count: matrix.counts(row, column) })));
  const highest = Math.max(1, ...cells.map((cell) => cell.count));
  const encoding = {
    y: { field: "row", type: "nominal" as const, sort: [...matrix.rows], title: axes.rows },
    x: { field: "column", type: "nominal" as const, sort: [...matrix.columns], title: axes.columns, axis: { labelAngle: -40, orient: "top" as const } },
  };
  return toSvg({
    title,
    width: { step: 34 },
    height: { step: 24 },
    data: { values: cells },
    encoding,
    layer: [
      {
        mark: { type: "rect", stroke: "#fff" },
        encoding: { color: { condition: { test: "datum.count === 0", value: "#f4f5f7" }, field: "count", type: "quantitative", scale: { scheme: "blues", domain: [0, highest] }, legend: null } },
      },
      {
        // An empty cell is left blank, so the eye finds the counts; a dark cell's count is written in white.
        transform: [{ filter: "datum.count > 0" }],
        mark: { type: "text", fontSize: 11 },
        encoding: { text: { field: "count", type: "quantitative" }, color: { condition: { test: `datum.count > ${highest / 2}`, value: "#fff" }, value: "#1b1b1b" } },
      },
    ],
  });
}

/** One point of a metric over training-set size: a model, its training rows, the metric's value and interval. */
export type CurveRow = { model: string; rows: number; metric: string; value: number; low?: number; high?: number };

/** A metric (one line per metric) against training rows, each model a point with its interval bar and its name. */
export function trainingCurveChart(points: readonly CurveRow[], title: string, axisTitle: string): Promise<string> {
  const x = { field: "rows", type: "quantitative" as const, title: "training rows (the dataset's train.jsonl)" };
  const color = { field: "metric", type: "nominal" as const, title: null };
  return toSvg({
    title,
    width: 460,
    height: 280,
    data: { values: [...points].sort((a, b) => a.rows - b.rows) },
    layer: [
      { mark: { type: "line", strokeWidth: 1.5 }, encoding: { x, y: { field: "value", type: "quantitative", scale: { domain: [0, 1] }, title: axisTitle }, color, order: { field: "rows" } } },
      { mark: { type: "rule", strokeWidth: 2 }, encoding: { x, y: { field: "low", type: "quantitative" }, y2: { field: "high" }, color } },
      { mark: { type: "point", filled: true, size: 60 }, encoding: { x, y: { field: "value", type: "quantitative" }, color, tooltip: [{ field: "model" }, { field: "rows" }, { field: "value", format: ".3f" }] } },
      // Each model named once, over its first metric's point.
      { transform: [{ filter: `datum.metric === ${JSON.stringify(points[0]?.metric ?? "")}` }], mark: { type: "text", dy: -12, fontSize: 10, color: "#444" }, encoding: { x, y: { field: "value", type: "quantitative" }, text: { field: "model" } } },
    ],
  });
}
