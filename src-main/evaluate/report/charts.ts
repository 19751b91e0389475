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
